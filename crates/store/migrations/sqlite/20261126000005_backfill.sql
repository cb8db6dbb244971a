-- A running match's request for players (a game server asks; the matchmaker fills it).
CREATE TABLE backfill_requests (
    id         BLOB PRIMARY KEY,
    match_id   BLOB NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
    mode       TEXT NOT NULL,
    region     TEXT NOT NULL,
    team       INTEGER NOT NULL,
    slots      INTEGER NOT NULL,
    -- The players the request replaces (they left): not counted in their team.
    replacing  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(replacing)),
    roles      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(roles)),
    state      TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT backfill_requests_team CHECK (team >= 0),
    CONSTRAINT backfill_requests_slots CHECK (slots BETWEEN 1 AND 100),
    CONSTRAINT backfill_requests_state_valid CHECK (state IN ('open', 'filled', 'withdrawn'))
) STRICT;
-- At most one open request per team of a match.
CREATE UNIQUE INDEX backfill_requests_open_key ON backfill_requests (match_id, team)
    WHERE state = 'open';
CREATE INDEX backfill_requests_mode_updated_idx ON backfill_requests (mode, updated_at);
