/**
 * Schema migrations, applied in order at start. Never edit a released entry: append a new one.
 * Times are Unix milliseconds. Codes are stored only as keyed hashes; seeds only sealed.
 * @module
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    username         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    email            TEXT,
    mobile_phone     TEXT,
    mfa_enabled      INTEGER NOT NULL DEFAULT 0,
    webauthn_handle  TEXT NOT NULL UNIQUE,
    devices_ordered  INTEGER NOT NULL DEFAULT 1,
    failures         INTEGER NOT NULL DEFAULT 0,
    locked_until     INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
  );

  CREATE TABLE devices (
    id                    TEXT PRIMARY KEY,
    user_id               TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type                  TEXT NOT NULL,
    status                TEXT NOT NULL,
    nickname              TEXT,
    phone                 TEXT,
    extension             TEXT,
    email                 TEXT,
    secret                TEXT,
    oath_serial           TEXT UNIQUE,
    last_step             INTEGER,
    resync_step           INTEGER,
    drift_steps           INTEGER NOT NULL DEFAULT 0,
    credential_id         TEXT UNIQUE,
    public_key            TEXT,
    sign_count            INTEGER,
    transports            TEXT,
    rp_id                 TEXT,
    aaguid                TEXT,
    backup_eligible       INTEGER,
    backed_up             INTEGER,
    user_verified         INTEGER,
    registration          TEXT,
    activation_hash       TEXT,
    activation_expires_at INTEGER,
    last_sent_at          INTEGER,
    blocked_at            INTEGER,
    failures              INTEGER NOT NULL DEFAULT 0,
    total_failures        INTEGER NOT NULL DEFAULT 0,
    locked_until          INTEGER,
    position              INTEGER NOT NULL,
    policy_id             TEXT,
    activated_at          INTEGER,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
  );
  CREATE INDEX devices_by_user ON devices(user_id, position);

  CREATE TABLE device_authentications (
    id                   TEXT PRIMARY KEY,
    user_id              TEXT REFERENCES users(id) ON DELETE CASCADE,
    policy_id            TEXT NOT NULL,
    status               TEXT NOT NULL,
    selected_device_id   TEXT,
    one_time             TEXT,
    otp_hash             TEXT,
    otp_expires_at       INTEGER,
    challenge            TEXT,
    challenge_expires_at INTEGER,
    request_options      TEXT,
    failures             INTEGER NOT NULL DEFAULT 0,
    rp_id                TEXT,
    compatibility        TEXT,
    error_code           TEXT,
    error_message        TEXT,
    last_sent_at         INTEGER,
    expires_at           INTEGER NOT NULL,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
  );

  CREATE TABLE policies (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('mfa', 'fido2')),
    body        TEXT NOT NULL,
    is_default  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );

  CREATE TABLE settings (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    body        TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
  );

  CREATE TABLE oath_tokens (
    serial      TEXT PRIMARY KEY,
    secret      TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('HOTP', 'TOTP')),
    algorithm   TEXT NOT NULL,
    digits      INTEGER NOT NULL,
    period      INTEGER NOT NULL,
    counter     INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
  );

  CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    channel     TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
  );
  CREATE INDEX outbox_by_recipient ON outbox(recipient, id);

  CREATE TABLE remembered_devices (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    binding     TEXT NOT NULL,
    policy_id   TEXT NOT NULL,
    session_id  TEXT,
    expires_at  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
  );
  `,
];
