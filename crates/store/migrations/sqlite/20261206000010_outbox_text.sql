-- PostgreSQL stores the outbox's bodies as text from this version on; SQLite always has, with
-- a check that each is valid JSON. Nothing changes here.
SELECT 1;
