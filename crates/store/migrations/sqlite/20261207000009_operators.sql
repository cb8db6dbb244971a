-- Operators: the studio's staff (admins, moderators, viewers), apart from players, with their
-- own login (and, for those who enrolled one, a TOTP second factor: `totp_secret`, base32). The audit log keeps every operator action, append-only: the database refuses to
-- change or delete a line.
CREATE TABLE operators (
    id            BLOB PRIMARY KEY,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret   TEXT,
    created_at    TEXT NOT NULL,
    disabled_at   TEXT,
    CONSTRAINT operators_name_len CHECK (length(name) BETWEEN 3 AND 32),
    CONSTRAINT operators_role_valid CHECK (role IN ('admin', 'moderator', 'viewer'))
) STRICT;
CREATE UNIQUE INDEX operators_name_key ON operators (lower(name));

CREATE TABLE audit_log (
    id          BLOB PRIMARY KEY,
    operator_id BLOB REFERENCES operators (id),
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT,
    reason      TEXT,
    detail      TEXT NOT NULL DEFAULT '{}',
    at          TEXT NOT NULL,
    CONSTRAINT audit_log_detail_json CHECK (json_valid(detail))
) STRICT;
CREATE INDEX audit_log_operator_idx ON audit_log (operator_id, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: audit_log_append_only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: audit_log_append_only');
END;
