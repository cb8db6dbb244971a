-- A player's ban: why, and until when (NULL: permanently). The player's status says `banned`
-- while a row is here; a ban whose end has passed is lifted by the first status check that
-- finds it.
CREATE TABLE bans (
    player_id  uuid PRIMARY KEY REFERENCES players (id) ON DELETE CASCADE,
    reason     text NOT NULL,
    until      timestamptz NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT bans_reason_len CHECK (length(reason) BETWEEN 1 AND 500)
);
