-- The request each Idempotency-Key of a step was first used for. A retry
-- (the same key, the same request) gets the first outcome from Temporal;
-- the same key sent with a different request — another step, another
-- case, other content — is refused instead of answered with an outcome
-- that is not its own. Keys are per person.
CREATE TABLE step_keys (
    person_id       bigint NOT NULL,
    idempotency_key text NOT NULL,
    request         text NOT NULL,  -- "<case number> <action>", for the message
    request_hash    text NOT NULL,  -- SHA-256 of the case, the action and the body
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, idempotency_key)
);
