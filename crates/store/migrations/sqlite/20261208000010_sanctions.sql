-- Sanctions: every ban, chat mute and queue cooldown an operator (or a rule) gave a player,
-- with who gave it, why and until when (NULL: permanently), kept after it ends or is lifted,
-- so a player's record and their appeals can name it. One sanction of a kind holds at a time:
-- a new one lifts the one before (`lift_reason` 'superseded'). A ban's effect still lives in
-- `bans` and the player's status; mutes and cooldowns are read from here.
CREATE TABLE sanctions (
    id          BLOB PRIMARY KEY,
    player_id   BLOB NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    until       TEXT,
    created_at  TEXT NOT NULL,
    given_by    TEXT NOT NULL,
    lifted_at   TEXT,
    lifted_by   TEXT,
    lift_reason TEXT,
    CONSTRAINT sanctions_kind_valid CHECK (kind IN ('ban', 'mute', 'cooldown')),
    CONSTRAINT sanctions_reason_len CHECK (length(reason) BETWEEN 1 AND 500)
) STRICT;
CREATE INDEX sanctions_player_idx ON sanctions (player_id, created_at);
CREATE UNIQUE INDEX sanctions_held_key ON sanctions (player_id, kind) WHERE lifted_at IS NULL;

-- The bans given before sanctions were recorded.
INSERT INTO sanctions (id, player_id, kind, reason, until, created_at, given_by)
    SELECT randomblob(16), player_id, 'ban', reason, until, created_at, 'unrecorded' FROM bans;
