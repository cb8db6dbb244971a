-- Friendships: one row per pair of players, whoever asked first, pending until the other
-- accepts. A declined, cancelled or removed friendship is deleted. `low_id` and `high_id` are
-- the pair in id order, so the key refuses a second row for the same two players whichever of
-- them writes it, and two requests crossing each other cannot both be stored.
CREATE TABLE friendships (
    id           uuid PRIMARY KEY,
    requester_id uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    addressee_id uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    low_id       uuid NOT NULL,
    high_id      uuid NOT NULL,
    state        text NOT NULL DEFAULT 'pending',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT friendships_pair_key UNIQUE (low_id, high_id),
    CONSTRAINT friendships_pair_ordered CHECK (low_id < high_id),
    CONSTRAINT friendships_pair_is_players CHECK (
        (low_id = requester_id AND high_id = addressee_id)
        OR (low_id = addressee_id AND high_id = requester_id)),
    CONSTRAINT friendships_state_valid CHECK (state IN ('pending', 'accepted'))
);
CREATE INDEX friendships_requester_idx ON friendships (requester_id, state);
CREATE INDEX friendships_addressee_idx ON friendships (addressee_id, state);

-- When the player's last socket closed, for "offline, last seen" in friends lists.
ALTER TABLE players ADD COLUMN last_seen_at timestamptz;
