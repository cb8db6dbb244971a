-- Rally schema on PostgreSQL: the whole platform, so later work extends it rather than reshapes it.
-- Ids are uuid (v7, made in Rust, so they sort by creation time); times are timestamptz.
-- Constraint and index names are explicit: the store reports them in StoreError::Conflict, and
-- the SQLite schema uses the same names.

CREATE TABLE players (
    id           uuid PRIMARY KEY,
    username     text NOT NULL,
    email        text NOT NULL,
    display_name text NOT NULL,
    region       text NULL,
    avatar_url   text NULL,
    status       text NOT NULL DEFAULT 'active',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT players_username_len CHECK (length(username) BETWEEN 3 AND 24),
    CONSTRAINT players_email_len CHECK (length(email) BETWEEN 3 AND 254),
    CONSTRAINT players_display_name_len CHECK (length(display_name) BETWEEN 1 AND 32),
    CONSTRAINT players_status_valid CHECK (status IN ('active', 'banned', 'disabled'))
);
-- Case-insensitive uniqueness: the database decides races between registrations.
CREATE UNIQUE INDEX players_username_key ON players (lower(username));
CREATE UNIQUE INDEX players_email_key ON players (lower(email));

CREATE TABLE credentials (
    player_id     uuid PRIMARY KEY REFERENCES players (id) ON DELETE CASCADE,
    password_hash text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT credentials_phc CHECK (password_hash LIKE '$%')
);

CREATE TABLE refresh_tokens (
    id         uuid PRIMARY KEY,
    player_id  uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    family_id  uuid NOT NULL,
    token_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    spent_at   timestamptz NULL,
    revoked_at timestamptz NULL,
    CONSTRAINT refresh_tokens_hash_key UNIQUE (token_hash),
    CONSTRAINT refresh_tokens_expiry CHECK (expires_at > created_at)
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_player_idx ON refresh_tokens (player_id, created_at);

CREATE TABLE parties (
    id           uuid PRIMARY KEY,
    leader_id    uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    max_size     integer NOT NULL,
    member_count integer NOT NULL DEFAULT 0,
    open         boolean NOT NULL DEFAULT false,
    state        text NOT NULL DEFAULT 'active',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT parties_max_size CHECK (max_size BETWEEN 1 AND 100),
    -- A join that would overfill the party fails here, whatever the interleaving.
    CONSTRAINT parties_member_count_max CHECK (member_count BETWEEN 0 AND max_size),
    CONSTRAINT parties_state_valid CHECK (state IN ('active', 'queued', 'closed'))
);
CREATE INDEX parties_leader_idx ON parties (leader_id);

CREATE TABLE party_members (
    party_id  uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    player_id uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    joined_at timestamptz NOT NULL DEFAULT now(),
    ready     boolean NOT NULL DEFAULT false,
    CONSTRAINT party_members_pkey PRIMARY KEY (party_id, player_id),
    -- A player is in at most one party.
    CONSTRAINT party_members_player_key UNIQUE (player_id)
);

CREATE TABLE party_invites (
    id         uuid PRIMARY KEY,
    party_id   uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    inviter_id uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    invitee_id uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    state      text NOT NULL DEFAULT 'pending',
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    CONSTRAINT party_invites_state_valid
        CHECK (state IN ('pending', 'accepted', 'declined', 'expired', 'revoked')),
    CONSTRAINT party_invites_expiry CHECK (expires_at > created_at)
);
CREATE UNIQUE INDEX party_invites_pending_key ON party_invites (party_id, invitee_id)
    WHERE state = 'pending';
CREATE INDEX party_invites_invitee_idx ON party_invites (invitee_id, state);

CREATE TABLE seasons (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    state      text NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at   timestamptz NULL,
    CONSTRAINT seasons_name_key UNIQUE (name),
    CONSTRAINT seasons_name_len CHECK (length(name) BETWEEN 1 AND 64),
    CONSTRAINT seasons_state_valid CHECK (state IN ('active', 'ended')),
    CONSTRAINT seasons_ended CHECK ((state = 'ended') = (ended_at IS NOT NULL))
);
-- At most one active season.
CREATE UNIQUE INDEX seasons_one_active_key ON seasons (state) WHERE state = 'active';

CREATE TABLE matches (
    id         uuid PRIMARY KEY,
    mode       text NOT NULL,
    region     text NOT NULL,
    season_id  uuid NULL REFERENCES seasons (id),
    state      text NOT NULL,
    quality    jsonb NOT NULL DEFAULT '{}',
    result     jsonb NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    ended_at   timestamptz NULL,
    CONSTRAINT matches_state_valid
        CHECK (state IN ('created', 'active', 'completed', 'cancelled', 'failed')),
    CONSTRAINT matches_ended CHECK (ended_at IS NULL OR ended_at >= created_at)
);
CREATE INDEX matches_season_mode_idx ON matches (season_id, mode, created_at);
CREATE INDEX matches_open_idx ON matches (state, created_at) WHERE state IN ('created', 'active');

CREATE TABLE match_participants (
    match_id                  uuid NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
    player_id                 uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    team                      integer NOT NULL,
    -- The party the player queued with; no foreign key, parties close and history stays.
    party_id                  uuid NULL,
    -- A copy of matches.created_at, so a player's history is one index range.
    played_at                 timestamptz NOT NULL,
    rating_mean_before        double precision NOT NULL,
    rating_uncertainty_before double precision NOT NULL,
    rating_mean_after         double precision NULL,
    rating_uncertainty_after  double precision NULL,
    outcome                   text NULL,
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
);
CREATE INDEX match_participants_history_idx
    ON match_participants (player_id, played_at DESC, match_id DESC);

CREATE TABLE game_sessions (
    match_id   uuid PRIMARY KEY REFERENCES matches (id) ON DELETE CASCADE,
    state      text NOT NULL,
    end_reason text NULL,
    endpoint   text NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT game_sessions_state_valid CHECK (state IN ('allocating', 'ready', 'active', 'ended')),
    CONSTRAINT game_sessions_end_reason_valid
        CHECK (end_reason IN ('completed', 'abandoned', 'failed')),
    CONSTRAINT game_sessions_ended CHECK ((state = 'ended') = (end_reason IS NOT NULL))
);
CREATE INDEX game_sessions_live_idx ON game_sessions (state, updated_at) WHERE state <> 'ended';

-- Every session transition with its time; only the legal edges of the state machine fit.
CREATE TABLE session_transitions (
    id         uuid PRIMARY KEY,
    match_id   uuid NOT NULL REFERENCES game_sessions (match_id) ON DELETE CASCADE,
    from_state text NULL,
    to_state   text NOT NULL,
    end_reason text NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT session_transitions_legal CHECK (
        (from_state IS NULL AND to_state = 'allocating')
        OR (from_state = 'allocating' AND to_state IN ('ready', 'ended'))
        OR (from_state = 'ready' AND to_state IN ('active', 'ended'))
        OR (from_state = 'active' AND to_state = 'ended'))
);
CREATE INDEX session_transitions_match_idx ON session_transitions (match_id, at);

CREATE TABLE queue_tickets (
    id            uuid PRIMARY KEY,
    -- The player who queued: the player alone, or the party's leader.
    owner_id      uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    party_id      uuid NULL REFERENCES parties (id) ON DELETE SET NULL,
    mode          text NOT NULL,
    region        text NOT NULL,
    latencies     jsonb NOT NULL DEFAULT '{}',
    state         text NOT NULL,
    cancel_reason text NULL,
    match_id      uuid NULL REFERENCES matches (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT queue_tickets_state_valid
        CHECK (state IN ('searching', 'matched', 'cancelled', 'timed_out')),
    -- Target of ticket_members' (ticket_id, state) key, which copies the state by cascade.
    CONSTRAINT queue_tickets_id_state_key UNIQUE (id, state)
);
CREATE INDEX queue_tickets_open_idx ON queue_tickets (mode, region, created_at)
    WHERE state = 'searching';
CREATE INDEX queue_tickets_owner_idx ON queue_tickets (owner_id, created_at);

CREATE TABLE ticket_members (
    ticket_id uuid NOT NULL,
    -- Kept equal to queue_tickets.state by ON UPDATE CASCADE, so the partial index below sees it.
    state     text NOT NULL,
    player_id uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    CONSTRAINT ticket_members_pkey PRIMARY KEY (ticket_id, player_id),
    CONSTRAINT ticket_members_ticket_fkey FOREIGN KEY (ticket_id, state)
        REFERENCES queue_tickets (id, state) ON UPDATE CASCADE ON DELETE CASCADE
);
-- At most one searching ticket per player, whether queued alone or with a party.
CREATE UNIQUE INDEX ticket_members_active_player_key ON ticket_members (player_id)
    WHERE state = 'searching';

CREATE TABLE ratings (
    player_id   uuid NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    season_id   uuid NOT NULL REFERENCES seasons (id),
    mode        text NOT NULL,
    mean        double precision NOT NULL,
    uncertainty double precision NOT NULL,
    games       integer NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ratings_pkey PRIMARY KEY (player_id, season_id, mode),
    -- BETWEEN is false for NaN and infinities on both databases.
    CONSTRAINT ratings_mean_finite CHECK (mean BETWEEN -1e9 AND 1e9),
    CONSTRAINT ratings_uncertainty_positive CHECK (uncertainty > 0 AND uncertainty <= 1e9),
    CONSTRAINT ratings_games CHECK (games >= 0)
);
CREATE INDEX ratings_board_idx ON ratings (season_id, mode, (mean - 3 * uncertainty) DESC, player_id);

CREATE TABLE outbox (
    id           uuid PRIMARY KEY,
    topic        text NOT NULL,
    key          text NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz NULL,
    attempts     integer NOT NULL DEFAULT 0,
    CONSTRAINT outbox_topic_len CHECK (length(topic) BETWEEN 1 AND 200),
    CONSTRAINT outbox_attempts CHECK (attempts >= 0)
);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;

-- Seasonal standings by conservative rating (mean - 3 * uncertainty), ties by player id.
-- Refreshed by Store::refresh_leaderboard with REFRESH ... CONCURRENTLY (needs the unique index).
CREATE MATERIALIZED VIEW leaderboard AS
SELECT r.season_id,
       r.mode,
       r.player_id,
       p.username,
       p.display_name,
       r.mean,
       r.uncertainty,
       r.mean - 3 * r.uncertainty AS conservative,
       r.games,
       row_number() OVER (PARTITION BY r.season_id, r.mode
                          ORDER BY r.mean - 3 * r.uncertainty DESC, r.player_id) AS board_rank
FROM ratings r
JOIN players p ON p.id = r.player_id
WHERE p.status = 'active';
CREATE UNIQUE INDEX leaderboard_player_key ON leaderboard (season_id, mode, player_id);
CREATE UNIQUE INDEX leaderboard_rank_key ON leaderboard (season_id, mode, board_rank);
