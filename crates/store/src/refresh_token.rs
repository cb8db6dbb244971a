//! Refresh tokens: stored hashed (the caller hashes; the store never sees the token), grouped
//! in families (one per login), rotated on every use.
//!
//! Spending is a conditional update, so of two uses of one token exactly one succeeds; a token
//! that is presented again after being spent is the caller's signal to revoke its family.

use std::fmt;

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;

/// A refresh token to store.
#[derive(Clone, PartialEq, Eq)]
pub struct NewRefreshToken {
    /// The token's id (usually [`new_id`](crate::new_id)).
    pub id: Uuid,
    /// Whose token it is.
    pub player_id: Uuid,
    /// The login it descends from; every rotation keeps it.
    pub family_id: Uuid,
    /// A hash of the token (e.g. SHA-256); unique.
    pub token_hash: Vec<u8>,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// When it stops being accepted (after `issued_at`: `refresh_tokens_expiry`).
    pub expires_at: Timestamp,
}

impl fmt::Debug for NewRefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewRefreshToken")
            .field("id", &self.id)
            .field("player_id", &self.player_id)
            .field("family_id", &self.family_id)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A stored refresh token.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefreshToken {
    /// The token's id.
    pub id: Uuid,
    /// Whose token it is.
    pub player_id: Uuid,
    /// The login it descends from.
    pub family_id: Uuid,
    /// The token's hash.
    pub token_hash: Vec<u8>,
    /// When it was issued.
    pub created_at: Timestamp,
    /// When it stops being accepted.
    pub expires_at: Timestamp,
    /// When it was used (rotated), if it was.
    pub spent_at: Option<Timestamp>,
    /// When it was revoked (logout, theft detection), if it was.
    pub revoked_at: Option<Timestamp>,
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshToken")
            .field("id", &self.id)
            .field("player_id", &self.player_id)
            .field("family_id", &self.family_id)
            .field("expires_at", &self.expires_at)
            .field("spent_at", &self.spent_at)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

const INSERT: &str = "INSERT INTO refresh_tokens \
     (id, player_id, family_id, token_hash, created_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6) \
     RETURNING id, player_id, family_id, token_hash, created_at, expires_at, spent_at, revoked_at";
const SPEND: &str = "UPDATE refresh_tokens SET spent_at = $2 \
     WHERE token_hash = $1 AND spent_at IS NULL AND revoked_at IS NULL AND expires_at > $2 \
     RETURNING id, player_id, family_id, token_hash, created_at, expires_at, spent_at, revoked_at";
const SELECT_BY_HASH: &str = "SELECT id, player_id, family_id, token_hash, created_at, \
     expires_at, spent_at, revoked_at FROM refresh_tokens WHERE token_hash = $1";
const REVOKE_FAMILY: &str = "UPDATE refresh_tokens SET revoked_at = $2 \
     WHERE family_id = $1 AND revoked_at IS NULL";
const REVOKE_PLAYER: &str = "UPDATE refresh_tokens SET revoked_at = $2 \
     WHERE player_id = $1 AND revoked_at IS NULL";
const REVOKE_PLAYER_EXCEPT: &str = "UPDATE refresh_tokens SET revoked_at = $2 \
     WHERE player_id = $1 AND family_id <> $3 AND revoked_at IS NULL";

impl Transaction {
    /// Stores a refresh token. [`StoreError::Conflict`] on `refresh_tokens_hash_key` for a
    /// hash already stored.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "insert_refresh_token"))]
    pub async fn insert_refresh_token(
        &mut self,
        new: &NewRefreshToken,
    ) -> Result<RefreshToken, StoreError> {
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, RefreshToken>(INSERT)
                .bind(new.id)
                .bind(new.player_id)
                .bind(new.family_id)
                .bind(&new.token_hash)
                .bind(new.issued_at)
                .bind(new.expires_at)
                .fetch_one(&mut *conn)
                .await?)
        })
    }

    /// Spends the token with this hash: succeeds once, while it is unspent, unrevoked and
    /// unexpired. [`StoreError::NotFound`] otherwise (look it up with
    /// [`Store::refresh_token_by_hash`] to learn why: a spent token presented again means the
    /// family should be revoked).
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "spend_refresh_token"))]
    pub async fn spend_refresh_token(
        &mut self,
        token_hash: &[u8],
    ) -> Result<RefreshToken, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, RefreshToken>(SPEND)
                .bind(token_hash)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        })
    }

    /// Revokes every live token of a family (one login); returns how many.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "revoke_refresh_family"))]
    pub async fn revoke_refresh_family(&mut self, family_id: Uuid) -> Result<u64, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query(REVOKE_FAMILY)
                .bind(family_id)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected())
        })
    }

    /// Revokes every live token of a player (logout everywhere); returns how many.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "revoke_player_refresh_tokens"))]
    pub async fn revoke_player_refresh_tokens(
        &mut self,
        player_id: Uuid,
    ) -> Result<u64, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query(REVOKE_PLAYER)
                .bind(player_id)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected())
        })
    }

    /// Revokes every live token of a player except those of the family `keep` (a password
    /// change ends every other session); returns how many.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "revoke_other_refresh_families"))]
    pub async fn revoke_other_refresh_families(
        &mut self,
        player_id: Uuid,
        keep: Uuid,
    ) -> Result<u64, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query(REVOKE_PLAYER_EXCEPT)
                .bind(player_id)
                .bind(now)
                .bind(keep)
                .execute(&mut *conn)
                .await?
                .rows_affected())
        })
    }
}

impl Store {
    /// [`Transaction::insert_refresh_token`] in a transaction of its own.
    pub async fn insert_refresh_token(
        &self,
        new: &NewRefreshToken,
    ) -> Result<RefreshToken, StoreError> {
        in_transaction!(self, tx => tx.insert_refresh_token(new))
    }

    /// [`Transaction::revoke_refresh_family`] in a transaction of its own.
    pub async fn revoke_refresh_family(&self, family_id: Uuid) -> Result<u64, StoreError> {
        in_transaction!(self, tx => tx.revoke_refresh_family(family_id))
    }

    /// [`Transaction::revoke_player_refresh_tokens`] in a transaction of its own.
    pub async fn revoke_player_refresh_tokens(&self, player_id: Uuid) -> Result<u64, StoreError> {
        in_transaction!(self, tx => tx.revoke_player_refresh_tokens(player_id))
    }

    /// The token with this hash, whatever its state.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "refresh_token_by_hash"))]
    pub async fn refresh_token_by_hash(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<RefreshToken>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, RefreshToken>(SELECT_BY_HASH)
                .bind(token_hash)
                .fetch_optional(pool)
                .await?)
        })
    }
}
