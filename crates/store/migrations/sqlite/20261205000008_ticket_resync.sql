-- A matchmaker reads its whole queue again a page at a time, in id order (the resync that
-- catches what following the changes missed).
CREATE INDEX queue_tickets_searching_id_idx ON queue_tickets (mode, id) WHERE state = 'searching';
