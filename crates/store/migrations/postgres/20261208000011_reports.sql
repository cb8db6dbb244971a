-- Players' reports of players, the moderation queue: one row per report, from `open` through
-- `in_review` (assigned to an operator) to `actioned` or `dismissed` with a resolution. A
-- report may name the match and the chat message it is about; `evidence` keeps the message's
-- text as it was when reported (messages are edited and purged). `scope` is what makes a
-- report unique per reporter and target: the message reported, else the match, else the
-- target player themself (a report about no match in particular). Notes are the moderators'.
CREATE TABLE reports (
    id          uuid PRIMARY KEY,
    reporter_id uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    player_id   uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    match_id    uuid,
    message_id  uuid,
    scope       uuid NOT NULL,
    category    text NOT NULL,
    text        text NOT NULL,
    evidence    text,
    state       text NOT NULL DEFAULT 'open',
    assignee_id uuid REFERENCES operators (id),
    resolution  text,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT reports_once UNIQUE (reporter_id, player_id, scope),
    CONSTRAINT reports_category_valid CHECK (category IN
        ('cheating', 'griefing', 'abuse', 'smurfing', 'win_trading', 'chat', 'other')),
    CONSTRAINT reports_state_valid CHECK (state IN ('open', 'in_review', 'actioned', 'dismissed')),
    CONSTRAINT reports_text_len CHECK (length(text) <= 1000)
);
CREATE INDEX reports_state_idx ON reports (state, id);
CREATE INDEX reports_player_idx ON reports (player_id, id);
CREATE INDEX reports_reporter_idx ON reports (reporter_id, id);

CREATE TABLE report_notes (
    id          uuid PRIMARY KEY,
    report_id   uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    operator_id uuid REFERENCES operators (id),
    author      text NOT NULL,
    body        text NOT NULL,
    at          timestamptz NOT NULL,
    CONSTRAINT report_notes_body_len CHECK (length(body) BETWEEN 1 AND 2000)
);
CREATE INDEX report_notes_report_idx ON report_notes (report_id, id);

-- The chat reports made before the moderation queue: each one a report about its sender.
INSERT INTO reports (id, reporter_id, player_id, message_id, scope, category, text, evidence,
                     created_at, updated_at)
    SELECT r.id, r.reporter_id, m.sender_id, m.id, m.id, 'chat', r.reason, r.body,
           r.created_at, r.created_at
    FROM chat_reports r JOIN chat_messages m ON m.id = r.message_id
    WHERE m.sender_id <> r.reporter_id;
