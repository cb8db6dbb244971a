-- Each participant's finishing place (1 = first; equal places tie) as the game server reported
-- it: a free-for-all or battle royale is rated by placement. Null for two-team results given
-- as outcomes alone, and for matches played before placements were kept.
ALTER TABLE match_participants ADD COLUMN placement INTEGER;
