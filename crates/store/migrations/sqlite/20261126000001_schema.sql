-- Rally schema on SQLite: the same tables, constraints and names as the PostgreSQL schema.
-- Representations (STRICT tables, so a wrong type is refused):
--   ids        BLOB, the 16 bytes of a uuid v7: byte order is creation order;
--   times      TEXT, UTC 'YYYY-MM-DDTHH:MM:SS.sssZ' (fixed width, millisecond precision), so
--              text order is time order (the default below writes the same shape);
--   booleans   INTEGER 0/1; json TEXT (checked with json_valid); doubles REAL.

CREATE TABLE players (
    id           BLOB PRIMARY KEY,
    username     TEXT NOT NULL,
    email        TEXT NOT NULL,
    display_name TEXT NOT NULL,
    region       TEXT NULL,
    avatar_url   TEXT NULL,
    status       TEXT NOT NULL DEFAULT 'active',
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT players_username_len CHECK (length(username) BETWEEN 3 AND 24),
    CONSTRAINT players_email_len CHECK (length(email) BETWEEN 3 AND 254),
    CONSTRAINT players_display_name_len CHECK (length(display_name) BETWEEN 1 AND 32),
    CONSTRAINT players_status_valid CHECK (status IN ('active', 'banned', 'disabled'))
) STRICT;
CREATE UNIQUE INDEX players_username_key ON players (lower(username));
CREATE UNIQUE INDEX players_email_key ON players (lower(email));

CREATE TABLE credentials (
    player_id     BLOB PRIMARY KEY REFERENCES players (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT credentials_phc CHECK (password_hash LIKE '$%')
) STRICT;

CREATE TABLE refresh_tokens (
    id         BLOB PRIMARY KEY,
    player_id  BLOB NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    family_id  BLOB NOT NULL,
    token_hash BLOB NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    expires_at TEXT NOT NULL,
    spent_at   TEXT NULL,
    revoked_at TEXT NULL,
    CONSTRAINT refresh_tokens_hash_key UNIQUE (token_hash),
    CONSTRAINT refresh_tokens_expiry CHECK (expires_at > created_at)
) STRICT;
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_player_idx ON refresh_tokens (player_id, created_at);

CREATE TABLE parties (
    id           BLOB PRIMARY KEY,
    leader_id    BLOB NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    max_size     INTEGER NOT NULL,
    member_count INTEGER NOT NULL DEFAULT 0,
    open         INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL DEFAULT 'active',
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT parties_max_size CHECK (max_size BETWEEN 1 AND 100),
    CONSTRAINT parties_member_count_max CHECK (member_count BETWEEN 0 AND max_size),
    CONSTRAINT parties_open_bool CHECK (open IN (0, 1)),
    CONSTRAINT parties_state_valid CHECK (state IN ('active', 'queued', 'closed'))
) STRICT;
CREATE INDEX parties_leader_idx ON parties (leader_id);

CREATE TABLE party_members (
    party_id  BLOB NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    player_id BLOB NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    joined_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ready     INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT party_members_pkey PRIMARY KEY (party_id, player_id),
    CONSTRAINT party_members_player_key UNIQUE (player_id)
) STRICT;

CREATE TABLE party_invites (
    id         BLOB PRIMARY KEY,
    party_id   BLOB NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    inviter_id BLOB NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    invitee_id BLOB NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    state      TEXT NOT NULL DEFAULT 'pending',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    expires_at TEXT NOT NULL,
    CONSTRAINT party_invites_state_valid
        CHECK (state IN ('pending', 'accepted', 'declined', 'expired', 'revoked')),
    CONSTRAINT party_invites_expiry CHECK (expires_at > created_at)
) STRICT;
CREATE UNIQUE INDEX party_invites_pending_key ON party_invites (party_id, invitee_id)
    WHERE state = 'pending';
CREATE INDEX party_invites_invitee_idx ON party_invites (invitee_id, state);

CREATE TABLE seasons (
    id         BLOB PRIMARY KEY,
    name       TEXT NOT NULL,
    state      TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at   TEXT NULL,
    CONSTRAINT seasons_name_key UNIQUE (name),
    CONSTRAINT seasons_name_len CHECK (length(name) BETWEEN 1 AND 64),
    CONSTRAINT seasons_state_valid CHECK (state IN ('active', 'ended')),
    CONSTRAINT seasons_ended CHECK ((state = 'ended') = (ended_at IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX seasons_one_active_key ON seasons (state) WHERE state = 'active';

CREATE TABLE matches (
    id         BLOB PRIMARY KEY,
    mode       TEXT NOT NULL,
    region     TEXT NOT NULL,
    season_id  BLOB NULL REFERENCES seasons (id),
    state      TEXT NOT NULL,
    quality    TEXT NOT NULL DEFAULT '{}',
    result     TEXT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ended_at   TEXT NULL,
    CONSTRAINT matches_state_valid
        CHECK (state IN ('created', 'active', 'completed', 'cancelled', 'failed')),
    CONSTRAINT matches_quality_json CHECK (json_valid(quality)),
    CONSTRAINT matches_result_json CHECK (result IS NULL OR json_valid(result)),
    CONSTRAINT matches_ended CHECK (ended_at IS NULL OR ended_at >= created_at)
) STRICT;
CREATE INDEX matches_season_mode_idx ON matches (season_id, mode, created_at);
CREATE INDEX matches_open_idx ON matches (state, created_at) WHERE state IN ('created', 'active');

CREATE TABLE match_participants (
    match_id                  BLOB NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
    player_id                 BLOB NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    team                      INTEGER NOT NULL,
    party_id                  BLOB NULL,
    played_at                 TEXT NOT NULL,
    rating_mean_before        REAL NOT NULL,
    rating_uncertainty_before REAL NOT NULL,
    rating_mean_after         REAL NULL,
    rating_uncertainty_after  REAL NULL,
    outcome                   TEXT NULL,
    CONSTRAINT match_participants_pkey PRIMARY KEY (match_id, player_id),
    CONSTRAINT match_participants_team CHECK (team >= 0),
    CONSTRAINT match_participants_outcome_valid CHECK (outcome IN ('win', 'loss', 'draw', 'left')),
    CONSTRAINT match_participants_rating_before CHECK (
        rating_mean_before BETWEEN -1e9 AND 1e9
        AND rating_uncertainty_before > 0 AND rating_uncertainty_before <= 1e9),
    CONSTRAINT match_participants_rating_after CHECK (
        (rating_mean_after IS NULL AND rating_uncertainty_after IS NULL)
        OR (rating_mean_after BETWEEN -1e9 AND 1e9
            AND rating_uncertainty_after > 0 AND rating_uncertainty_after <= 1e9))
) STRICT;
CREATE INDEX match_participants_history_idx
    ON match_participants (player_id, played_at DESC, match_id DESC);

CREATE TABLE game_sessions (
    match_id   BLOB PRIMARY KEY REFERENCES matches (id) ON DELETE CASCADE,
    state      TEXT NOT NULL,
    end_reason TEXT NULL,
    endpoint   TEXT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT game_sessions_state_valid CHECK (state IN ('allocating', 'ready', 'active', 'ended')),
    CONSTRAINT game_sessions_end_reason_valid
        CHECK (end_reason IN ('completed', 'abandoned', 'failed')),
    CONSTRAINT game_sessions_ended CHECK ((state = 'ended') = (end_reason IS NOT NULL))
) STRICT;
CREATE INDEX game_sessions_live_idx ON game_sessions (state, updated_at) WHERE state <> 'ended';

CREATE TABLE session_transitions (
    id         BLOB PRIMARY KEY,
    match_id   BLOB NOT NULL REFERENCES game_sessions (match_id) ON DELETE CASCADE,
    from_state TEXT NULL,
    to_state   TEXT NOT NULL,
    end_reason TEXT NULL,
    at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT session_transitions_legal CHECK (
        (from_state IS NULL AND to_state = 'allocating')
        OR (from_state = 'allocating' AND to_state IN ('ready', 'ended'))
        OR (from_state = 'ready' AND to_state IN ('active', 'ended'))
        OR (from_state = 'active' AND to_state = 'ended'))
) STRICT;
CREATE INDEX session_transitions_match_idx ON session_transitions (match_id, at);

CREATE TABLE queue_tickets (
    id            BLOB PRIMARY KEY,
    owner_id      BLOB NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    party_id      BLOB NULL REFERENCES parties (id) ON DELETE SET NULL,
    mode          TEXT NOT NULL,
    region        TEXT NOT NULL,
    latencies     TEXT NOT NULL DEFAULT '{}',
    state         TEXT NOT NULL,
    cancel_reason TEXT NULL,
    match_id      BLOB NULL REFERENCES matches (id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT queue_tickets_state_valid
        CHECK (state IN ('searching', 'matched', 'cancelled', 'timed_out')),
    CONSTRAINT queue_tickets_latencies_json CHECK (json_valid(latencies)),
    CONSTRAINT queue_tickets_id_state_key UNIQUE (id, state)
) STRICT;
CREATE INDEX queue_tickets_open_idx ON queue_tickets (mode, region, created_at)
    WHERE state = 'searching';
CREATE INDEX queue_tickets_owner_idx ON queue_tickets (owner_id, created_at);

CREATE TABLE ticket_members (
    ticket_id BLOB NOT NULL,
    state     TEXT NOT NULL,
    player_id BLOB NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    CONSTRAINT ticket_members_pkey PRIMARY KEY (ticket_id, player_id),
    CONSTRAINT ticket_members_ticket_fkey FOREIGN KEY (ticket_id, state)
        REFERENCES queue_tickets (id, state) ON UPDATE CASCADE ON DELETE CASCADE
) STRICT;
CREATE UNIQUE INDEX ticket_members_active_player_key ON ticket_members (player_id)
    WHERE state = 'searching';

CREATE TABLE ratings (
    player_id   BLOB NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    season_id   BLOB NOT NULL REFERENCES seasons (id),
    mode        TEXT NOT NULL,
    mean        REAL NOT NULL,
    uncertainty REAL NOT NULL,
    games       INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT ratings_pkey PRIMARY KEY (player_id, season_id, mode),
    CONSTRAINT ratings_mean_finite CHECK (mean BETWEEN -1e9 AND 1e9),
    CONSTRAINT ratings_uncertainty_positive CHECK (uncertainty > 0 AND uncertainty <= 1e9),
    CONSTRAINT ratings_games CHECK (games >= 0)
) STRICT;
CREATE INDEX ratings_board_idx ON ratings (season_id, mode, (mean - 3 * uncertainty) DESC, player_id);

CREATE TABLE outbox (
    id           BLOB PRIMARY KEY,
    topic        TEXT NOT NULL,
    key          TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    published_at TEXT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT outbox_topic_len CHECK (length(topic) BETWEEN 1 AND 200),
    CONSTRAINT outbox_payload_json CHECK (json_valid(payload)),
    CONSTRAINT outbox_attempts CHECK (attempts >= 0)
) STRICT;
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;

-- The equivalent of PostgreSQL's materialized view: a table that Store::refresh_leaderboard
-- rebuilds in one transaction (readers see the old or the new standings, never a mix).
CREATE TABLE leaderboard (
    season_id    BLOB NOT NULL,
    mode         TEXT NOT NULL,
    player_id    BLOB NOT NULL,
    username     TEXT NOT NULL,
    display_name TEXT NOT NULL,
    mean         REAL NOT NULL,
    uncertainty  REAL NOT NULL,
    conservative REAL NOT NULL,
    games        INTEGER NOT NULL,
    board_rank   INTEGER NOT NULL,
    CONSTRAINT leaderboard_player_key PRIMARY KEY (season_id, mode, player_id)
) STRICT;
CREATE UNIQUE INDEX leaderboard_rank_key ON leaderboard (season_id, mode, board_rank);
