-- The generation of a party's voice room: a new room whenever a member leaves or is kicked, so
-- their access token (for the old room) no longer reaches the others.
ALTER TABLE parties ADD COLUMN voice_generation INTEGER NOT NULL DEFAULT 0;
