-- The party's ready check: its state and deadline, so a later read shows how it ended.
-- (SQLite cannot add a table constraint; the state rule rides on the column.)
ALTER TABLE parties ADD COLUMN ready_check_state TEXT NULL
    CONSTRAINT parties_ready_check_state_valid
    CHECK (ready_check_state IN ('pending', 'passed', 'failed', 'expired'));
ALTER TABLE parties ADD COLUMN ready_check_deadline TEXT NULL;
