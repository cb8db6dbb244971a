-- When a match's result changed its players' ratings: set once, by the transaction that applies
-- them, so a result delivered twice (or to two ratings processes) is applied once.
ALTER TABLE matches ADD COLUMN rated_at TEXT NULL;
