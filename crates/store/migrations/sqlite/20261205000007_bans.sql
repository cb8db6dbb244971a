-- A player's ban: why, by whom it was given, and until when (NULL: permanently). The player's
-- status says `banned` while a row is here; a ban whose end has passed is lifted by the first
-- status check that finds it.
CREATE TABLE bans (
    player_id  BLOB PRIMARY KEY REFERENCES players (id) ON DELETE CASCADE,
    reason     TEXT NOT NULL,
    until      TEXT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT bans_reason_len CHECK (length(reason) BETWEEN 1 AND 500)
) STRICT;
