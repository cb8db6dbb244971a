-- The accept step of queues with `accept_timeout_ms`: a found match waits for every player to
-- accept before a server is allocated. One row per match that asks, settled once: `accepted`
-- (allocation starts), `declined` or `expired` (the match is cancelled). The partial index
-- finds the pending ones whose deadline passed.
CREATE TABLE match_acceptances (
    match_id   uuid PRIMARY KEY REFERENCES matches (id) ON DELETE CASCADE,
    deadline   timestamptz NOT NULL,
    state      text NOT NULL DEFAULT 'pending',
    updated_at timestamptz NOT NULL,
    CONSTRAINT match_acceptances_state_valid
        CHECK (state IN ('pending', 'accepted', 'declined', 'expired'))
);
CREATE INDEX match_acceptances_pending_idx ON match_acceptances (deadline)
    WHERE state = 'pending';

-- When each player accepted; null until then (and for matches without an accept step).
ALTER TABLE match_participants ADD COLUMN accepted_at timestamptz;

-- A player who declined (or let the deadline pass) may not queue until `until`; `declines`
-- counts the declines since the player was last forgiven, and sets the next cooldown's length.
CREATE TABLE queue_cooldowns (
    player_id   uuid PRIMARY KEY REFERENCES players (id) ON DELETE CASCADE,
    declines    integer NOT NULL,
    declined_at timestamptz NOT NULL,
    until       timestamptz NOT NULL,
    CONSTRAINT queue_cooldowns_declines_positive CHECK (declines > 0),
    CONSTRAINT queue_cooldowns_until CHECK (until >= declined_at)
);
