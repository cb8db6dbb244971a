-- Glicko-2's third number, the volatility: how erratic a player's results are. Kept per rating
-- so each result continues from the last one's value; 0.06 (Glickman's starting value) for
-- ratings made before it was kept, and ignored by the other rating systems.
ALTER TABLE ratings ADD COLUMN volatility double precision NOT NULL DEFAULT 0.06
    CONSTRAINT ratings_volatility CHECK (volatility > 0 AND volatility <= 10);
