-- A running match's request for players (a game server asks; the matchmaker fills it).
CREATE TABLE backfill_requests (
    id         uuid PRIMARY KEY,
    match_id   uuid NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
    mode       text NOT NULL,
    region     text NOT NULL,
    team       integer NOT NULL,
    slots      integer NOT NULL,
    -- The players the request replaces (they left): not counted in their team.
    replacing  jsonb NOT NULL DEFAULT '[]',
    roles      jsonb NOT NULL DEFAULT '[]',
    state      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT backfill_requests_team CHECK (team >= 0),
    CONSTRAINT backfill_requests_slots CHECK (slots BETWEEN 1 AND 100),
    CONSTRAINT backfill_requests_state_valid CHECK (state IN ('open', 'filled', 'withdrawn'))
);
-- At most one open request per team of a match.
CREATE UNIQUE INDEX backfill_requests_open_key ON backfill_requests (match_id, team)
    WHERE state = 'open';
CREATE INDEX backfill_requests_mode_updated_idx ON backfill_requests (mode, updated_at);
