-- A match row is written again after it is made: its state, its result, the claim of its
-- rating (`rated_at`). The result and the claim touch no indexed column, so each can stay on
-- the row's page (HOT) when the page has room for the new version; with pages filled to the
-- brim, about one claim in three hundred did, and the rest wrote a new entry in each of the
-- table's three indexes. A row is about 140 bytes on its page; filled to half, a page has room
-- for a new version of each of its rows, as ratings are claimed in batches faster than the
-- old versions can be pruned. (A state change moves the row in the open matches index, so it
-- is never in place.)
ALTER TABLE matches SET (fillfactor = 50);
