-- Live ranks come from the state backend's sorted sets and the standings table is filled with
-- its own sort, so the expression index on the conservative rating only made every rating write
-- maintain a second index.
DROP INDEX IF EXISTS ratings_board_idx;
