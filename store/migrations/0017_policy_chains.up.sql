-- Policy changes are steps of the hash-chained record, and a broad policy
-- waits for a second administrator (four eyes).
--
-- 1. Each region's hand-written policy changes form a chain of their own in
--    audit_log, beside the cases' chains and linked by the same trigger:
--    workflow_id 'policy/<region code>', case_no 'POLICY-<region code>',
--    seq 1, 2, …. policy_chains keeps each chain's last seq, as cases.seq
--    does for a case: the next seq is taken under its row lock, so two
--    changes in one region queue here, and `duty audit verify` sees a
--    chain whose tail (or whole self) was deleted.
CREATE TABLE policy_chains (
    workflow_id text PRIMARY KEY,
    region_code text NOT NULL UNIQUE REFERENCES regions (code),
    seq         bigint NOT NULL CHECK (seq > 0),
    CHECK (workflow_id = 'policy/' || region_code)
);

-- 2. A proposal is a policy change that takes effect only when a second,
--    different administrator of its region approves it before it
--    expires. before is the policy as it stood when proposed: approval
--    applies the change only if the policy still stands so, since the
--    approver approves that change and no other.
CREATE TABLE policy_proposals (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    policy_id   text NOT NULL,
    action      text NOT NULL CHECK (action IN ('put', 'delete')),
    region_code text NOT NULL REFERENCES regions (code),
    doc         jsonb,           -- the policy proposed; NULL for a deletion
    before      jsonb,           -- the policy when proposed; NULL: there was none
    broad       text[] NOT NULL, -- why it needs a second administrator
    proposed_by bigint NOT NULL REFERENCES persons (id),
    proposed_at timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    decided_by  bigint REFERENCES persons (id),
    decided_at  timestamptz,
    note        text NOT NULL DEFAULT '',
    CHECK ((action = 'put') = (doc IS NOT NULL)),
    CHECK ((state = 'pending') = (decided_by IS NULL))
);
CREATE INDEX policy_proposals_region ON policy_proposals (region_code, id DESC);

-- 3. The party secretary and the government head of the region are told of
--    every policy change, through the outbox like a case's notices.
ALTER TABLE outbox DROP CONSTRAINT outbox_category_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_category_check
    CHECK (category IN ('notice', 'reminder', 'overdue', 'escalation', 'decision', 'policy'));
