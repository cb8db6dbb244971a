-- Appeals: a sanctioned player asks once per sanction (`appeals_once`) for it to be lifted; a
-- moderator upholds it or overturns it (lifting the sanction) with a reason. `pending` until
-- decided, then final.
CREATE TABLE appeals (
    id              uuid PRIMARY KEY,
    sanction_id     uuid NOT NULL REFERENCES sanctions (id) ON DELETE CASCADE,
    player_id       uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    text            text NOT NULL,
    state           text NOT NULL DEFAULT 'pending',
    decided_by      text,
    decision_reason text,
    created_at      timestamptz NOT NULL,
    decided_at      timestamptz,
    CONSTRAINT appeals_once UNIQUE (sanction_id),
    CONSTRAINT appeals_state_valid CHECK (state IN ('pending', 'upheld', 'overturned')),
    CONSTRAINT appeals_text_len CHECK (length(text) BETWEEN 1 AND 2000)
);
CREATE INDEX appeals_state_idx ON appeals (state, id);
CREATE INDEX appeals_player_idx ON appeals (player_id, id);
