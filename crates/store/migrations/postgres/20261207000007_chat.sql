-- Chat: every message of every channel, one row each. `channel` is the channel's full name
-- (`party:<id>`, `match:<id>`, `team:<match_id>:<team>`, `dm:<low_id>:<high_id>`) and `kind`
-- its kind, for retention. A direct message names its `recipient_id`, for unread counts. A
-- deleted message keeps its row (for the reports against it) until retention purges it, and
-- is never shown again.
CREATE TABLE chat_messages (
    id           uuid PRIMARY KEY,
    channel      text NOT NULL,
    kind         text NOT NULL,
    sender_id    uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    sender_name  text NOT NULL,
    recipient_id uuid REFERENCES players (id) ON DELETE CASCADE,
    body         text NOT NULL,
    created_at   timestamptz NOT NULL,
    edited_at    timestamptz,
    deleted_at   timestamptz,
    CONSTRAINT chat_messages_kind_valid CHECK (kind IN ('party', 'match', 'team', 'dm'))
);
CREATE INDEX chat_messages_channel_idx ON chat_messages (channel, id);
CREATE INDEX chat_messages_recipient_idx ON chat_messages (recipient_id, id)
    WHERE recipient_id IS NOT NULL;
CREATE INDEX chat_messages_kind_created_idx ON chat_messages (kind, created_at);

-- The newest message each player has read in a channel.
CREATE TABLE chat_reads (
    player_id    uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    channel      text NOT NULL,
    last_read_id uuid NOT NULL,
    CONSTRAINT chat_reads_pkey PRIMARY KEY (player_id, channel)
);

-- Players' reports of messages, for moderators; one per reporter and message, with the text
-- as it was when reported (its sender may edit the message afterwards).
CREATE TABLE chat_reports (
    id          uuid PRIMARY KEY,
    message_id  uuid NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    reporter_id uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    reason      text NOT NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL,
    CONSTRAINT chat_reports_once UNIQUE (message_id, reporter_id)
);
CREATE INDEX chat_reports_created_idx ON chat_reports (created_at);
