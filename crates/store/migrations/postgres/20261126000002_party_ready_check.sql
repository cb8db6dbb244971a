-- The party's ready check: its state and deadline, so a later read shows how it ended.
ALTER TABLE parties
    ADD COLUMN ready_check_state    text NULL,
    ADD COLUMN ready_check_deadline timestamptz NULL,
    ADD CONSTRAINT parties_ready_check_state_valid
        CHECK (ready_check_state IN ('pending', 'passed', 'failed', 'expired')),
    ADD CONSTRAINT parties_ready_check_deadline
        CHECK ((ready_check_state IS NULL) = (ready_check_deadline IS NULL));
