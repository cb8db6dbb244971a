-- What the matchmaker needs of a ticket to rebuild it (members' ratings, roles and display
-- names at queue time), so a restarted matchmaker rebuilds its queues from this table alone.
ALTER TABLE queue_tickets ADD COLUMN spec TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(spec));
-- The matchmaker follows each queue's ticket changes by time.
CREATE INDEX queue_tickets_mode_updated_idx ON queue_tickets (mode, updated_at);

-- The highest fencing token that has written matches for each queue: a matchmaker whose lease
-- lapsed (a lower token) can no longer write.
CREATE TABLE queue_fences (
    queue TEXT PRIMARY KEY,
    token INTEGER NOT NULL,
    CONSTRAINT queue_fences_token CHECK (token >= 0)
) STRICT;
