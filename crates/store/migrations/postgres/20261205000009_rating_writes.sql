-- Results are applied in batches of hundreds, and each rating and participant row is written
-- once per match. Live ranks come from the state backend's sorted sets and the standings view
-- sorts for itself, so the expression index on the conservative rating only made every rating
-- write maintain a second index (and never update in place). Free room on each page lets the
-- rating and participant updates stay on their page (HOT), and events up to a page are stored
-- inline and uncompressed instead of compressed into TOAST.
DROP INDEX IF EXISTS ratings_board_idx;
ALTER TABLE ratings SET (fillfactor = 80);
ALTER TABLE match_participants SET (fillfactor = 85);
ALTER TABLE outbox SET (toast_tuple_target = 8160);
