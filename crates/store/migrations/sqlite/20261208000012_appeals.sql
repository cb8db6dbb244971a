-- Appeals: a sanctioned player asks once per sanction (`appeals_once`) for it to be lifted; a
-- moderator upholds it or overturns it (lifting the sanction) with a reason. `pending` until
-- decided, then final.
CREATE TABLE appeals (
    id              BLOB PRIMARY KEY,
    sanction_id     BLOB NOT NULL REFERENCES sanctions (id) ON DELETE CASCADE,
    player_id       BLOB NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    text            TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    decided_by      TEXT,
    decision_reason TEXT,
    created_at      TEXT NOT NULL,
    decided_at      TEXT,
    CONSTRAINT appeals_once UNIQUE (sanction_id),
    CONSTRAINT appeals_state_valid CHECK (state IN ('pending', 'upheld', 'overturned')),
    CONSTRAINT appeals_text_len CHECK (length(text) BETWEEN 1 AND 2000)
) STRICT;
CREATE INDEX appeals_state_idx ON appeals (state, id);
CREATE INDEX appeals_player_idx ON appeals (player_id, id);
