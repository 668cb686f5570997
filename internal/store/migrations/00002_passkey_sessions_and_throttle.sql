-- Sessions remember the passkey that opened them, so deleting the passkey ends them;
-- passkeys keep what the WebAuthn engine returns about them; and failed logins are
-- counted per address rather than per user, so an address without an account is
-- throttled like one with, and a refusal tells nothing about which it is.

-- +goose Up
ALTER TABLE sessions ADD COLUMN passkey_id TEXT REFERENCES passkeys (id) ON DELETE CASCADE;
CREATE INDEX sessions_passkey ON sessions (passkey_id) WHERE passkey_id IS NOT NULL;

ALTER TABLE passkeys ADD COLUMN user_verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE passkeys ADD COLUMN attestation_type TEXT NOT NULL DEFAULT 'none';
ALTER TABLE passkeys ADD COLUMN attestation_format TEXT NOT NULL DEFAULT 'none';

-- email is the normalized (lower-case) address that was tried.
CREATE TABLE failed_logins_by_email (
    email TEXT NOT NULL,
    at    INTEGER NOT NULL
) STRICT;
INSERT INTO failed_logins_by_email (email, at)
    SELECT u.email, f.at FROM failed_logins f JOIN users u ON u.id = f.user;
DROP TABLE failed_logins;
ALTER TABLE failed_logins_by_email RENAME TO failed_logins;
CREATE INDEX failed_logins_email ON failed_logins (email, at);

-- +goose Down
DROP INDEX failed_logins_email;
ALTER TABLE failed_logins RENAME TO failed_logins_by_email;
CREATE TABLE failed_logins (
    user TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at   INTEGER NOT NULL
) STRICT;
INSERT INTO failed_logins (user, at)
    SELECT u.id, f.at FROM failed_logins_by_email f JOIN users u ON u.email = f.email;
DROP TABLE failed_logins_by_email;
CREATE INDEX failed_logins_user ON failed_logins (user, at);

ALTER TABLE passkeys DROP COLUMN attestation_format;
ALTER TABLE passkeys DROP COLUMN attestation_type;
ALTER TABLE passkeys DROP COLUMN user_verified;

-- A column with a foreign key cannot be dropped, so sessions is rebuilt without it; the
-- sessions opened with a passkey end, as the older schema could not tell them apart.
CREATE TABLE sessions_v1 (
    id          TEXT PRIMARY KEY,
    user        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash        BLOB NOT NULL UNIQUE,
    created     INTEGER NOT NULL,
    last_used   INTEGER NOT NULL,
    expires     INTEGER NOT NULL,
    user_agent  TEXT NOT NULL DEFAULT '',
    opened_with TEXT NOT NULL CHECK (opened_with IN ('password', 'passkey', 'token', 'reset')),
    token_id    TEXT REFERENCES api_tokens (id) ON DELETE CASCADE
) STRICT;
INSERT INTO sessions_v1 SELECT id, user, hash, created, last_used, expires, user_agent,
    opened_with, token_id FROM sessions WHERE passkey_id IS NULL;
DROP TABLE sessions;
ALTER TABLE sessions_v1 RENAME TO sessions;
CREATE INDEX sessions_user ON sessions (user);
CREATE INDEX sessions_token ON sessions (token_id) WHERE token_id IS NOT NULL;
