//! Changes to an existing player: profile fields, password, status.
//!
//! Each is one conditional `UPDATE`, so concurrent changes never lose each other's fields, and
//! an email taken by someone else comes back as [`StoreError::Conflict`] on `players_email_key`
//! (decided by the unique index, never checked first).

use std::fmt;

use uuid::Uuid;

use crate::error::StoreError;
use crate::player::{Player, PlayerStatus};
use crate::store::Store;
use crate::transaction::Transaction;

/// Which profile fields to change; `None` keeps a field as it is. Values are expected to be
/// validated by the caller (the schema still refuses lengths out of range).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    /// New name shown to others.
    pub display_name: Option<String>,
    /// New home region.
    pub region: Option<String>,
    /// New avatar image url.
    pub avatar_url: Option<String>,
    /// New email, unique without regard to case. Never logged.
    pub email: Option<String>,
}

impl ProfileChange {
    /// Whether the change changes nothing.
    pub fn is_empty(&self) -> bool {
        self.display_name.is_none()
            && self.region.is_none()
            && self.avatar_url.is_none()
            && self.email.is_none()
    }
}

impl fmt::Debug for ProfileChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileChange")
            .field("display_name", &self.display_name)
            .field("region", &self.region)
            .field("avatar_url", &self.avatar_url)
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

const UPDATE_PROFILE: &str = "UPDATE players SET \
     display_name = COALESCE($2, display_name), region = COALESCE($3, region), \
     avatar_url = COALESCE($4, avatar_url), email = COALESCE($5, email), updated_at = $6 \
     WHERE id = $1 \
     RETURNING id, username, email, display_name, region, avatar_url, status, created_at, updated_at";
const UPDATE_PASSWORD: &str =
    "UPDATE credentials SET password_hash = $2, updated_at = $3 WHERE player_id = $1";
const UPDATE_STATUS: &str = "UPDATE players SET status = $2, updated_at = $3 WHERE id = $1 \
     RETURNING id, username, email, display_name, region, avatar_url, status, created_at, updated_at";
const SELECT_PASSWORD: &str = "SELECT password_hash FROM credentials WHERE player_id = $1";

impl Transaction {
    /// Applies `change` to the player and returns the player as it now is.
    /// [`StoreError::NotFound`] for an unknown player; [`StoreError::Conflict`] on
    /// `players_email_key` when the new email belongs to another player.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "update_profile"))]
    pub async fn update_profile(
        &mut self,
        id: Uuid,
        change: &ProfileChange,
    ) -> Result<Player, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Player>(UPDATE_PROFILE)
                .bind(id)
                .bind(&change.display_name)
                .bind(&change.region)
                .bind(&change.avatar_url)
                .bind(&change.email)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        })
    }

    /// Replaces the player's password hash (an argon2 PHC string).
    /// [`StoreError::NotFound`] for an unknown player.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "set_password_hash"))]
    pub async fn set_password_hash(
        &mut self,
        id: Uuid,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let changed = on_tx!(self, conn => {
            sqlx::query(UPDATE_PASSWORD)
                .bind(id)
                .bind(password_hash)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Sets whether the player may log in (ban, disable, reinstate); returns the player.
    /// [`StoreError::NotFound`] for an unknown player.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "set_player_status"))]
    pub async fn set_player_status(
        &mut self,
        id: Uuid,
        status: PlayerStatus,
    ) -> Result<Player, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Player>(UPDATE_STATUS)
                .bind(id)
                .bind(status)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        })
    }
}

impl Store {
    /// [`Transaction::update_profile`] in a transaction of its own.
    pub async fn update_profile(
        &self,
        id: Uuid,
        change: &ProfileChange,
    ) -> Result<Player, StoreError> {
        in_transaction!(self, tx => tx.update_profile(id, change))
    }

    /// [`Transaction::set_player_status`] in a transaction of its own.
    pub async fn set_player_status(
        &self,
        id: Uuid,
        status: PlayerStatus,
    ) -> Result<Player, StoreError> {
        in_transaction!(self, tx => tx.set_player_status(id, status))
    }

    /// The player's stored password hash, or [`StoreError::NotFound`].
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "password_hash"))]
    pub async fn password_hash(&self, id: Uuid) -> Result<String, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, String>(SELECT_PASSWORD)
                .bind(id)
                .fetch_one(pool)
                .await?)
        })
    }
}
