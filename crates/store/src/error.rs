//! The store's error type, and the mapping from database errors to it.
//!
//! Uniqueness and references are decided by the database: an insert that breaks a unique or
//! foreign key constraint comes back as [`StoreError::Conflict`] naming the constraint, on both
//! databases, with the same names (see the migrations).

use std::borrow::Cow;

use sqlx::error::{DatabaseError, ErrorKind};

/// Constraint name reported for a foreign-key violation on SQLite, which does not say which key.
pub const SQLITE_FOREIGN_KEY: &str = "foreign_key";

/// What went wrong in a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique or foreign-key constraint refused the change (a duplicate username, a player
    /// already in a party, a missing referenced row...). `constraint` is the name from the schema
    /// (`players_username_key`, `party_members_player_key`...); for a foreign key on SQLite it is
    /// [`SQLITE_FOREIGN_KEY`], because SQLite does not name the key.
    #[error("conflict with constraint {constraint}")]
    Conflict {
        /// The constraint's name.
        constraint: String,
    },
    /// A write for a queue carried a fencing token lower than one already used: the writer's
    /// lease lapsed and another matchmaker owns the queue now.
    #[error("the lease on queue {queue} was taken over; this writer is stale")]
    Fenced {
        /// The queue (mode).
        queue: String,
    },
    /// A CHECK constraint refused a value (a username of the wrong length, a full party
    /// `parties_member_count_max`, an illegal session transition...).
    #[error("value refused by constraint {constraint}")]
    Invalid {
        /// The constraint's name.
        constraint: String,
    },
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The database could not be reached in time (connection refused, pool timeout, I/O).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database URL is not one the store understands.
    #[error("bad database url: {0}")]
    Url(String),
    /// Applying the migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

/// Text read from the database that names no known state (a state column out of step with the
/// code, which the CHECK constraints should prevent).
#[derive(Debug, thiserror::Error)]
#[error("unknown value in the database: {0:?}")]
pub struct UnknownValue(pub String);

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(error.to_string()),
            sqlx::Error::Database(db) => from_database_error(db),
            other => StoreError::Database(other),
        }
    }
}

fn from_database_error(db: Box<dyn DatabaseError>) -> StoreError {
    if lost_connection(db.as_ref()) {
        return StoreError::Unavailable(db.message().to_owned());
    }
    match db.kind() {
        ErrorKind::UniqueViolation | ErrorKind::ForeignKeyViolation => StoreError::Conflict {
            constraint: constraint_name(db.as_ref()).into_owned(),
        },
        ErrorKind::CheckViolation => StoreError::Invalid {
            constraint: constraint_name(db.as_ref()).into_owned(),
        },
        _ => StoreError::Database(sqlx::Error::Database(db)),
    }
}

/// PostgreSQL ended the connection or cannot take it (restarting, shutting down, an operator's
/// `pg_terminate_backend`): SQLSTATE class 08 (connection exception) and 57P01 to 57P03. The
/// next connection may well work: the caller answers 503 and the client retries.
fn lost_connection(db: &dyn DatabaseError) -> bool {
    db.code()
        .is_some_and(|code| code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03"))
}

/// The constraint's name: PostgreSQL reports it; SQLite only says it in the message.
fn constraint_name(db: &dyn DatabaseError) -> Cow<'_, str> {
    if let Some(name) = db.constraint() {
        return Cow::Borrowed(name);
    }
    sqlite_constraint_name(db.message())
}

/// SQLite messages: `UNIQUE constraint failed: index 'players_username_key'` (expression
/// indexes), `UNIQUE constraint failed: party_members.player_id` (columns),
/// `CHECK constraint failed: players_username_len`, `FOREIGN KEY constraint failed`.
fn sqlite_constraint_name(message: &str) -> Cow<'_, str> {
    if let Some(rest) = message.strip_prefix("UNIQUE constraint failed: ") {
        if let Some(index) = rest.strip_prefix("index '") {
            return Cow::Borrowed(index.trim_end_matches('\''));
        }
        return Cow::Borrowed(unique_columns_name(rest));
    }
    if let Some(rest) = message.strip_prefix("CHECK constraint failed: ") {
        return Cow::Borrowed(rest);
    }
    if message.starts_with("FOREIGN KEY constraint failed") {
        return Cow::Borrowed(SQLITE_FOREIGN_KEY);
    }
    Cow::Borrowed(message)
}

/// The schema's name for a unique key that SQLite reports by its columns.
fn unique_columns_name(columns: &str) -> &str {
    const NAMES: &[(&str, &str)] = &[
        ("party_members.player_id", "party_members_player_key"),
        ("appeals.sanction_id", "appeals_once"),
        (
            "reports.reporter_id, reports.player_id, reports.scope",
            "reports_once",
        ),
        (
            "party_members.party_id, party_members.player_id",
            "party_members_pkey",
        ),
        (
            "party_invites.party_id, party_invites.invitee_id",
            "party_invites_pending_key",
        ),
        (
            "ticket_members.player_id",
            "ticket_members_active_player_key",
        ),
        (
            "ticket_members.ticket_id, ticket_members.player_id",
            "ticket_members_pkey",
        ),
        (
            "queue_tickets.id, queue_tickets.state",
            "queue_tickets_id_state_key",
        ),
        (
            "backfill_requests.match_id, backfill_requests.team",
            "backfill_requests_open_key",
        ),
        (
            "match_participants.match_id, match_participants.player_id",
            "match_participants_pkey",
        ),
        ("seasons.state", "seasons_one_active_key"),
        (
            "friendships.low_id, friendships.high_id",
            "friendships_pair_key",
        ),
        (
            "chat_reports.message_id, chat_reports.reporter_id",
            "chat_reports_once",
        ),
        ("seasons.name", "seasons_name_key"),
        (
            "ratings.player_id, ratings.season_id, ratings.mode",
            "ratings_pkey",
        ),
        ("refresh_tokens.token_hash", "refresh_tokens_hash_key"),
        (
            "leaderboard.season_id, leaderboard.mode, leaderboard.player_id",
            "leaderboard_player_key",
        ),
        ("players.id", "players_pkey"),
        ("credentials.player_id", "credentials_pkey"),
        ("refresh_tokens.id", "refresh_tokens_pkey"),
        ("parties.id", "parties_pkey"),
        ("party_invites.id", "party_invites_pkey"),
        ("seasons.id", "seasons_pkey"),
        ("matches.id", "matches_pkey"),
        ("game_sessions.match_id", "game_sessions_pkey"),
        ("session_transitions.id", "session_transitions_pkey"),
        ("queue_tickets.id", "queue_tickets_pkey"),
        ("outbox.id", "outbox_pkey"),
    ];
    NAMES
        .iter()
        .find(|(cols, _)| *cols == columns)
        .map_or(columns, |(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_messages_map_to_the_postgres_constraint_names() {
        let cases = [
            (
                "UNIQUE constraint failed: index 'players_username_key'",
                "players_username_key",
            ),
            (
                "UNIQUE constraint failed: party_members.player_id",
                "party_members_player_key",
            ),
            (
                "UNIQUE constraint failed: seasons.state",
                "seasons_one_active_key",
            ),
            (
                "CHECK constraint failed: players_username_len",
                "players_username_len",
            ),
            ("FOREIGN KEY constraint failed", SQLITE_FOREIGN_KEY),
        ];
        for (message, name) in cases {
            assert_eq!(sqlite_constraint_name(message), name, "{message}");
        }
    }
}
