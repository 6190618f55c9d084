-- Failed logins, so that a login is locked after repeated wrong passwords
-- in every API process at once (a lock kept in one process's memory would
-- let an attacker spread guesses over the others). Keyed by the login as
-- typed, whether or not such a person exists, so the lock says nothing
-- about who has an account. A successful login clears its login's rows.
CREATE TABLE login_failures (
    login  text NOT NULL,
    addr   text NOT NULL,
    at     timestamptz NOT NULL
);
CREATE INDEX login_failures_by_login ON login_failures (login, at);
