//! Bans: a row per banned player (why, until when) beside the player's `banned` status, set and
//! lifted together; a temporary ban is lifted by the first status check after its end.

use uuid::Uuid;

use crate::{PlayerStatus, Store, StoreError, Timestamp, Transaction};

/// A player's ban.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Ban {
    /// The banned player.
    pub player_id: Uuid,
    /// Why, as the operator wrote it.
    pub reason: String,
    /// When it ends; `None`: permanently.
    pub until: Option<Timestamp>,
    /// When it was given.
    pub created_at: Timestamp,
}

const SET_BANNED: &str =
    "UPDATE players SET status = 'banned', updated_at = $2 WHERE id = $1 AND status <> 'disabled'";
const UPSERT_BAN: &str = "INSERT INTO bans (player_id, reason, until, created_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (player_id) \
     DO UPDATE SET reason = excluded.reason, until = excluded.until, created_at = excluded.created_at";
const SET_ACTIVE: &str =
    "UPDATE players SET status = 'active', updated_at = $2 WHERE id = $1 AND status = 'banned'";
const DELETE_BAN: &str = "DELETE FROM bans WHERE player_id = $1";
const SELECT_BAN: &str =
    "SELECT player_id, reason, until, created_at FROM bans WHERE player_id = $1";
const LIFT_EXPIRED: &str = "UPDATE players SET status = 'active', updated_at = $2 \
     WHERE id = $1 AND status = 'banned' AND EXISTS \
     (SELECT 1 FROM bans b WHERE b.player_id = $1 AND b.until IS NOT NULL AND b.until <= $2)";

impl Transaction {
    /// Bans the player until `until` (`None`: permanently) for `reason`, replacing any ban it
    /// had. [`StoreError::NotFound`] when there is no such player, or it is disabled.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "ban_player"))]
    pub async fn ban_player(
        &mut self,
        player_id: Uuid,
        until: Option<Timestamp>,
        reason: &str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            let updated = sqlx::query(SET_BANNED)
                .bind(player_id)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if updated == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query(UPSERT_BAN)
                .bind(player_id)
                .bind(reason)
                .bind(until)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            Ok(())
        })
    }

    /// Lifts the player's ban; false when it was not banned.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "unban_player"))]
    pub async fn unban_player(&mut self, player_id: Uuid) -> Result<bool, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            let lifted = sqlx::query(SET_ACTIVE)
                .bind(player_id)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            sqlx::query(DELETE_BAN).bind(player_id).execute(&mut *conn).await?;
            Ok(lifted > 0)
        })
    }
}

impl Store {
    /// The player's ban, if any.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "ban"))]
    pub async fn ban(&self, player_id: Uuid) -> Result<Option<Ban>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Ban>(SELECT_BAN)
                .bind(player_id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Lifts the player's ban when its end has passed (`now`): true when it did, and the
    /// player is [`PlayerStatus::Active`] again.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "lift_expired_ban"))]
    pub async fn lift_expired_ban(
        &self,
        player_id: Uuid,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let lifted = on_tx!(tx, conn => {
            let lifted = sqlx::query(LIFT_EXPIRED)
                .bind(player_id)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if lifted > 0 {
                sqlx::query(DELETE_BAN).bind(player_id).execute(&mut *conn).await?;
            }
            Ok::<bool, StoreError>(lifted > 0)
        })?;
        tx.commit().await?;
        Ok(lifted)
    }
}

/// The status a player has at `now`: `banned` with a ban whose end has passed reads as active.
pub fn status_at(status: PlayerStatus, ban: Option<&Ban>, now: Timestamp) -> PlayerStatus {
    match (status, ban.and_then(|b| b.until)) {
        (PlayerStatus::Banned, Some(until)) if until.unix_millis() <= now.unix_millis() => {
            PlayerStatus::Active
        }
        _ => status,
    }
}
