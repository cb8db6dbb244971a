-- Glicko-2's volatility of each participant before and after the match, so the history shows the
-- whole rating the match changed. Null for the systems that have none, and for matches rated
-- before it was kept.
ALTER TABLE match_participants ADD COLUMN rating_volatility_before REAL;
ALTER TABLE match_participants ADD COLUMN rating_volatility_after REAL;
