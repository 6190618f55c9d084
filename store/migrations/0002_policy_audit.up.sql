-- Policy changes are audited like case actions: who changed which policy,
-- when, and what it said before and after.
CREATE TABLE policy_audit (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    policy_id  text NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    action     text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'sync')),
    actor_id   bigint,
    actor_name text NOT NULL,
    actor_post text NOT NULL DEFAULT '',
    before     jsonb,
    after      jsonb
);
CREATE INDEX policy_audit_policy ON policy_audit (policy_id, at);
