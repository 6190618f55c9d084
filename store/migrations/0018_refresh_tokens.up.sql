-- Short-lived access tokens with refresh, and sign-in through the
-- province's identity provider (OpenID Connect).
--
-- An access token lives minutes (--token-ttl); a client keeps its session
-- going by trading its refresh token for a new pair. Only a refresh
-- token's SHA-256 is kept, so a copy of this table logs nobody in. A
-- refresh token is good once: its row stays, marked rotated, so that when
-- it comes back — someone copied it, and either the thief or the owner now
-- holds a stale one — the whole session is ended. The rows go with their
-- session.
ALTER TABLE sessions ADD COLUMN method text NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN ended_because text;

CREATE TABLE refresh_tokens (
    hash        bytea PRIMARY KEY,
    session_id  text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    issued_at   timestamptz NOT NULL,
    rotated_at  timestamptz
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);
-- A session has one live refresh token at a time.
CREATE UNIQUE INDEX refresh_tokens_one_live ON refresh_tokens (session_id) WHERE rotated_at IS NULL;

-- Who a person is at an OpenID Connect identity provider (the province's
-- 政务服务统一身份认证): the provider's issuer URL and its stable subject
-- identifier for them. A sign-in whose (issuer, subject) is listed here
-- logs in as that person; any other is refused. An administrator links
-- them with `duty person link-identity`.
CREATE TABLE person_identities (
    issuer     text NOT NULL,
    subject    text NOT NULL,
    person_id  bigint NOT NULL REFERENCES persons (id),
    linked_at  timestamptz NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX person_identities_by_person ON person_identities (person_id);
