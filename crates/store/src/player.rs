//! Players and their credentials.
//!
//! Usernames and emails are unique without regard to case (`players_username_key`,
//! `players_email_key`, unique indexes on `lower(...)`): the insert decides, so of two
//! simultaneous registrations of one name exactly one wins and the other gets
//! [`StoreError::Conflict`].

use std::fmt;

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::{Pool, Store};
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;

text_enum! {
    /// Whether a player may log in.
    PlayerStatus {
        /// A normal account.
        Active = "active",
        /// Banned by an operator.
        Banned = "banned",
        /// Disabled (by the player or an operator).
        Disabled = "disabled",
    }
}

/// A player to create. Values are expected to be validated by the caller; the schema still
/// refuses a username outside 3..=24 characters and a display name outside 1..=32
/// ([`StoreError::Invalid`]).
#[derive(Clone, PartialEq)]
pub struct NewPlayer {
    /// The player's id (usually [`new_id`](crate::new_id)).
    pub id: Uuid,
    /// Login name, unique without regard to case.
    pub username: String,
    /// Email, unique without regard to case. Never logged.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Home region, if chosen.
    pub region: Option<String>,
}

impl fmt::Debug for NewPlayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewPlayer")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("email", &"<redacted>")
            .field("display_name", &self.display_name)
            .field("region", &self.region)
            .finish()
    }
}

/// A stored player.
#[derive(Clone, PartialEq, sqlx::FromRow)]
pub struct Player {
    /// The player's id.
    pub id: Uuid,
    /// Login name as registered (case kept).
    pub username: String,
    /// Email as registered. Never logged.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Home region.
    pub region: Option<String>,
    /// Avatar image url.
    pub avatar_url: Option<String>,
    /// Whether the player may log in.
    pub status: PlayerStatus,
    /// When the player registered.
    pub created_at: Timestamp,
    /// When the profile last changed.
    pub updated_at: Timestamp,
}

impl fmt::Debug for Player {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Player")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("email", &"<redacted>")
            .field("display_name", &self.display_name)
            .field("region", &self.region)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// A player with the stored password hash, for checking a login.
#[derive(Clone, sqlx::FromRow)]
pub struct PlayerCredentials {
    /// The player.
    #[sqlx(flatten)]
    pub player: Player,
    /// The argon2 PHC string.
    pub password_hash: String,
}

impl fmt::Debug for PlayerCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlayerCredentials")
            .field("player", &self.player)
            .field("password_hash", &"<redacted>")
            .finish()
    }
}

const INSERT_PLAYER: &str = "INSERT INTO players \
     (id, username, email, display_name, region, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $6) \
     RETURNING id, username, email, display_name, region, avatar_url, status, created_at, updated_at";
const INSERT_CREDENTIALS: &str =
    "INSERT INTO credentials (player_id, password_hash, updated_at) VALUES ($1, $2, $3)";
const SELECT_BY_ID: &str = "SELECT id, username, email, display_name, region, avatar_url, status, \
     created_at, updated_at FROM players WHERE id = $1";
const SELECT_BY_USERNAME: &str = "SELECT id, username, email, display_name, region, avatar_url, \
     status, created_at, updated_at FROM players WHERE lower(username) = lower($1)";
const SELECT_BY_EMAIL: &str = "SELECT id, username, email, display_name, region, avatar_url, \
     status, created_at, updated_at FROM players WHERE lower(email) = lower($1)";
const SELECT_CREDENTIALS_BY_LOGIN: &str = "SELECT p.id, p.username, p.email, p.display_name, \
     p.region, p.avatar_url, p.status, p.created_at, p.updated_at, c.password_hash \
     FROM players p JOIN credentials c ON c.player_id = p.id \
     WHERE lower(p.username) = lower($1) OR lower(p.email) = lower($1)";

impl Transaction {
    /// Creates a player and its credentials (`password_hash`: an argon2 PHC string).
    /// [`StoreError::Conflict`] on `players_username_key` or `players_email_key` when the
    /// username or email is taken, in any case.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "create_player"))]
    pub async fn create_player(
        &mut self,
        new: &NewPlayer,
        password_hash: &str,
    ) -> Result<Player, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            let player = sqlx::query_as::<_, Player>(INSERT_PLAYER)
                .bind(new.id)
                .bind(&new.username)
                .bind(&new.email)
                .bind(&new.display_name)
                .bind(&new.region)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?;
            sqlx::query(INSERT_CREDENTIALS)
                .bind(new.id)
                .bind(password_hash)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            Ok(player)
        })
    }
}

impl Store {
    /// [`Transaction::create_player`] in a transaction of its own.
    pub async fn create_player(
        &self,
        new: &NewPlayer,
        password_hash: &str,
    ) -> Result<Player, StoreError> {
        in_transaction!(self, tx => tx.create_player(new, password_hash))
    }

    /// The player with this id, or [`StoreError::NotFound`].
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "player"))]
    pub async fn player(&self, id: Uuid) -> Result<Player, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Player>(SELECT_BY_ID).bind(id).fetch_one(pool).await?)
        })
    }

    /// The player with this username, compared without regard to case.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "find_player_by_username"))]
    pub async fn find_player_by_username(
        &self,
        username: &str,
    ) -> Result<Option<Player>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Player>(SELECT_BY_USERNAME)
                .bind(username)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// The player with this email, compared without regard to case.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "find_player_by_email"))]
    pub async fn find_player_by_email(&self, email: &str) -> Result<Option<Player>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Player>(SELECT_BY_EMAIL)
                .bind(email)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// The player whose username or email is `login` (without regard to case), with the
    /// password hash, for checking a login.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "find_credentials_by_login"))]
    pub async fn find_credentials_by_login(
        &self,
        login: &str,
    ) -> Result<Option<PlayerCredentials>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, PlayerCredentials>(SELECT_CREDENTIALS_BY_LOGIN)
                .bind(login)
                .fetch_optional(pool)
                .await?)
        })
    }
}

const SELECT_NAMES: &str = "SELECT id, display_name FROM players WHERE id = ANY($1)";

impl Store {
    /// The display names of these players (those that exist, each once), in no order: one
    /// prepared statement on PostgreSQL whatever their number.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "display_names"))]
    pub async fn display_names(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>, StoreError> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        match &self.pool {
            Pool::Postgres(pool) => Ok(sqlx::query_as::<_, (Uuid, String)>(SELECT_NAMES)
                .bind(&ids)
                .fetch_all(pool)
                .await?),
            Pool::Sqlite(pool) => {
                let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "SELECT id, display_name FROM players WHERE id IN ({})",
                    placeholders.join(", ")
                );
                let mut query = sqlx::query_as::<_, (Uuid, String)>(sqlx::AssertSqlSafe(sql));
                for id in ids {
                    query = query.bind(id);
                }
                Ok(query.fetch_all(pool).await?)
            }
        }
    }
}
