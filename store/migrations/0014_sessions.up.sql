-- Login sessions. A token names its session, and a request is served only
-- while the session is neither revoked (logout) nor idle past the
-- server's limit nor past its absolute expiry: so logging out really ends
-- a token, and a token left in a browser dies with disuse.
CREATE TABLE sessions (
    id            text PRIMARY KEY,
    person_id     bigint NOT NULL REFERENCES persons (id),
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz
);
CREATE INDEX sessions_by_person ON sessions (person_id);
