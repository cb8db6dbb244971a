-- Chat: every message of every channel, one row each. `channel` is the channel's full name
-- (`party:<id>`, `match:<id>`, `team:<match_id>:<team>`, `dm:<low_id>:<high_id>`) and `kind`
-- its kind, for retention. A direct message names its `recipient_id`, for unread counts. A
-- deleted message keeps its row (for the reports against it) until retention purges it, and
-- is never shown again.
CREATE TABLE chat_messages (
    id           BLOB PRIMARY KEY,
    channel      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    sender_id    BLOB NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    sender_name  TEXT NOT NULL,
    recipient_id BLOB REFERENCES players (id) ON DELETE CASCADE,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    edited_at    TEXT,
    deleted_at   TEXT,
    CONSTRAINT chat_messages_kind_valid CHECK (kind IN ('party', 'match', 'team', 'dm'))
) STRICT;
CREATE INDEX chat_messages_channel_idx ON chat_messages (channel, id);
CREATE INDEX chat_messages_recipient_idx ON chat_messages (recipient_id, id)
    WHERE recipient_id IS NOT NULL;
CREATE INDEX chat_messages_kind_created_idx ON chat_messages (kind, created_at);

-- The newest message each player has read in a channel.
CREATE TABLE chat_reads (
    player_id    BLOB NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    channel      TEXT NOT NULL,
    last_read_id BLOB NOT NULL,
    CONSTRAINT chat_reads_pkey PRIMARY KEY (player_id, channel)
) STRICT;

-- Players' reports of messages, for moderators; one per reporter and message, with the text
-- as it was when reported (its sender may edit the message afterwards).
CREATE TABLE chat_reports (
    id          BLOB PRIMARY KEY,
    message_id  BLOB NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    reporter_id BLOB NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    reason      TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    CONSTRAINT chat_reports_once UNIQUE (message_id, reporter_id)
) STRICT;
CREATE INDEX chat_reports_created_idx ON chat_reports (created_at);
