-- The whole wk schema as of the first release. Times are UTC epoch milliseconds
-- (INTEGER); ids are 24 lowercase hex characters unless said otherwise; secrets are
-- stored only as SHA-256 hashes (BLOB).

-- +goose Up
CREATE TABLE organizations (
    id      TEXT PRIMARY KEY, -- a slug such as connectomics_lab
    name    TEXT NOT NULL,
    created INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
    id                    TEXT PRIMARY KEY,
    organization          TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email                 TEXT NOT NULL UNIQUE COLLATE NOCASE,
    first_name            TEXT NOT NULL,
    last_name             TEXT NOT NULL,
    password_hash         TEXT, -- NULL for an account that signs in with passkeys only
    is_admin              INTEGER NOT NULL DEFAULT 0,
    is_dataset_manager    INTEGER NOT NULL DEFAULT 0,
    is_organization_owner INTEGER NOT NULL DEFAULT 0,
    is_active             INTEGER NOT NULL DEFAULT 1,
    is_email_verified     INTEGER NOT NULL DEFAULT 0,
    selected_theme        TEXT NOT NULL DEFAULT 'auto'
                          CHECK (selected_theme IN ('auto', 'light', 'dark')),
    created               INTEGER NOT NULL,
    last_activity         INTEGER NOT NULL
) STRICT;
CREATE INDEX users_organization ON users (organization);

CREATE TABLE teams (
    id           TEXT PRIMARY KEY,
    organization TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    created      INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX teams_name ON teams (organization, name COLLATE NOCASE);

CREATE TABLE team_members (
    team            TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    is_team_manager INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (team, user)
) STRICT;
CREATE INDEX team_members_user ON team_members (user);

-- A user has at most one live (unrevoked) token; revoked ones stay for the record.
CREATE TABLE api_tokens (
    id        TEXT PRIMARY KEY,
    user      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash      BLOB NOT NULL UNIQUE,
    prefix    TEXT NOT NULL, -- the visible start, like wkt_AbCd12
    created   INTEGER NOT NULL,
    last_used INTEGER,
    revoked   INTEGER
) STRICT;
CREATE UNIQUE INDEX api_tokens_live ON api_tokens (user) WHERE revoked IS NULL;

CREATE TABLE sessions (
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
CREATE INDEX sessions_user ON sessions (user);
CREATE INDEX sessions_token ON sessions (token_id) WHERE token_id IS NOT NULL;

CREATE TABLE one_time_tokens (
    id      TEXT PRIMARY KEY,
    kind    TEXT NOT NULL CHECK (kind IN ('reset', 'invite', 'verify')),
    hash    BLOB NOT NULL UNIQUE,
    user    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    used    INTEGER
) STRICT;
CREATE INDEX one_time_tokens_user ON one_time_tokens (user, kind);

CREATE TABLE passkeys (
    id              TEXT PRIMARY KEY,
    user            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id   BLOB NOT NULL UNIQUE,
    public_key      BLOB NOT NULL,
    sign_count      INTEGER NOT NULL DEFAULT 0,
    aaguid          BLOB,
    transports      TEXT NOT NULL DEFAULT '', -- comma-separated, like usb,nfc
    backup_eligible INTEGER NOT NULL DEFAULT 0,
    backup_state    INTEGER NOT NULL DEFAULT 0,
    name            TEXT NOT NULL,
    created         INTEGER NOT NULL,
    last_used       INTEGER
) STRICT;
CREATE UNIQUE INDEX passkeys_name ON passkeys (user, name COLLATE NOCASE);

-- WebAuthn challenges, kept here so a ceremony can start in one process and end in another.
CREATE TABLE ceremonies (
    id      TEXT PRIMARY KEY,
    kind    TEXT NOT NULL,
    user    TEXT REFERENCES users (id) ON DELETE CASCADE,
    data    TEXT NOT NULL CHECK (json_valid(data)),
    created INTEGER NOT NULL,
    expires INTEGER NOT NULL
) STRICT;
CREATE INDEX ceremonies_expires ON ceremonies (expires);

CREATE TABLE failed_logins (
    user TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at   INTEGER NOT NULL
) STRICT;
CREATE INDEX failed_logins_user ON failed_logins (user, at);

-- No foreign keys: the log outlives the users it names.
CREATE TABLE audit_log (
    id     TEXT PRIMARY KEY,
    actor  TEXT,
    target TEXT,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    at     INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_log_target ON audit_log (target, at);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE failed_logins;
DROP TABLE ceremonies;
DROP TABLE passkeys;
DROP TABLE one_time_tokens;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE team_members;
DROP TABLE teams;
DROP TABLE users;
DROP TABLE organizations;
