-- Which case an Idempotency-Key opened. A client that sent "open a case"
-- and got no answer (timeout, dropped connection, server restart) sends it
-- again with the same key and gets the same case, not a second one: the
-- key is bound to its case number before the workflow starts, so even a
-- crash between the two leaves a retry that starts that same number.
-- Keys are per person (one user's key never finds another's case).
CREATE TABLE case_openings (
    person_id       bigint NOT NULL,
    idempotency_key text NOT NULL,
    kind            text NOT NULL,
    case_no         text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, idempotency_key)
);
