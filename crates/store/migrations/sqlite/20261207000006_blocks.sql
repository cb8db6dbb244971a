-- Blocks: a player's refusal of another. Either way, the two cannot befriend or invite one
-- another, and the matchmaker keeps them apart. Deleting either player deletes the block.
CREATE TABLE player_blocks (
    blocker_id BLOB NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    blocked_id BLOB NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    CONSTRAINT player_blocks_pkey PRIMARY KEY (blocker_id, blocked_id),
    CONSTRAINT player_blocks_not_self CHECK (blocker_id <> blocked_id)
) STRICT;
CREATE INDEX player_blocks_blocked_idx ON player_blocks (blocked_id);
