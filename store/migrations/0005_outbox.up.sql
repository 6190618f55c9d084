-- The notification outbox: one row per step, person and channel, written in
-- the transaction that records the step (RecordStep), so a notification
-- exists exactly when its step does. A dispatcher in each worker claims due
-- rows with FOR UPDATE SKIP LOCKED and delivers them at least once.

-- Where e-mail notifications go; a person without one gets none by e-mail.
ALTER TABLE persons ADD COLUMN IF NOT EXISTS email text;

CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workflow_id     text NOT NULL,
    seq             bigint NOT NULL,
    case_no         text NOT NULL,
    person_id       bigint NOT NULL REFERENCES persons (id),
    channel         text NOT NULL,
    -- the channel's address for the person (e-mail), fixed when queued.
    address         text NOT NULL DEFAULT '',
    category        text NOT NULL CHECK (category IN ('notice', 'reminder', 'overdue', 'escalation', 'decision')),
    action          text NOT NULL,
    -- why this person: the post or role through which the step concerns them.
    reason          text NOT NULL,
    subject         text NOT NULL,
    body            text NOT NULL,
    -- what a webhook receives, fixed when queued so every attempt sends the same.
    payload         jsonb NOT NULL,
    step_at         timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- pending: not yet tried; failed: the last attempt failed, retried at
    -- next_attempt_at (NULL once attempts are used up); delivered.
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        int NOT NULL DEFAULT 0,
    last_error      text NOT NULL DEFAULT '',
    next_attempt_at timestamptz DEFAULT now(),
    delivered_at    timestamptz,
    UNIQUE (workflow_id, seq, person_id, channel)
);
-- What the dispatcher claims: rows not delivered whose next attempt is due.
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state <> 'delivered' AND next_attempt_at IS NOT NULL;
-- A person's notifications, newest first.
CREATE INDEX outbox_person ON outbox (person_id, id DESC);
-- The backlog metric counts undelivered rows by channel and state.
CREATE INDEX outbox_backlog ON outbox (channel, state) WHERE state <> 'delivered';
