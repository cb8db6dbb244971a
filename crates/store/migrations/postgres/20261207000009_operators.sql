-- Operators: the studio's staff (admins, moderators, viewers), apart from players, with their
-- own login (and, for those who enrolled one, a TOTP second factor: `totp_secret`, base32). The audit log keeps every operator action, append-only: the database refuses to
-- change or delete a line.
CREATE TABLE operators (
    id            uuid PRIMARY KEY,
    name          text NOT NULL,
    role          text NOT NULL,
    password_hash text NOT NULL,
    totp_secret   text,
    created_at    timestamptz NOT NULL,
    disabled_at   timestamptz,
    CONSTRAINT operators_name_len CHECK (length(name) BETWEEN 3 AND 32),
    CONSTRAINT operators_role_valid CHECK (role IN ('admin', 'moderator', 'viewer'))
);
CREATE UNIQUE INDEX operators_name_key ON operators (lower(name));

CREATE TABLE audit_log (
    id          uuid PRIMARY KEY,
    operator_id uuid REFERENCES operators (id),
    actor       text NOT NULL,
    action      text NOT NULL,
    target      text,
    reason      text,
    detail      jsonb NOT NULL DEFAULT '{}',
    at          timestamptz NOT NULL
);
CREATE INDEX audit_log_operator_idx ON audit_log (operator_id, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log_append_only: the audit log keeps every line as written'
        USING ERRCODE = 'check_violation',
        CONSTRAINT = 'audit_log_append_only';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
