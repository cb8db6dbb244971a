//! Queue cooldowns: a player who declined a found match, or let its accept deadline pass, may
//! not queue again until the cooldown ends. The row keeps how many declines led to it, so the
//! next cooldown can be longer; the server decides the lengths and when declines are forgiven.
//! Queueing reads the cooldown's end with the rest of a player's standing
//! ([`Store::queue_standings`](crate::Store::queue_standings)).

use uuid::Uuid;

use crate::error::StoreError;
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;

/// A player's queue cooldown.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct QueueCooldown {
    /// The player.
    pub player_id: Uuid,
    /// The declines counted so far (1 for a first).
    pub declines: i32,
    /// When the last decline was.
    pub declined_at: Timestamp,
    /// When the player may queue again.
    pub until: Timestamp,
}

const SELECT: &str =
    "SELECT player_id, declines, declined_at, until FROM queue_cooldowns WHERE player_id = $1";
const UPSERT: &str = "INSERT INTO queue_cooldowns (player_id, declines, declined_at, until) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (player_id) DO UPDATE SET \
     declines = excluded.declines, declined_at = excluded.declined_at, until = excluded.until";

/// Players of the match `$1` who did not leave it.
macro_rules! stayers {
    () => {
        "player_id IN (SELECT player_id FROM match_participants \
         WHERE match_id = $1 AND (outcome IS NULL OR outcome <> 'left'))"
    };
}
const FORGIVE_LAST: &str = concat!(
    "DELETE FROM queue_cooldowns WHERE declines = 1 AND until <= $2 AND ",
    stayers!()
);
const FORGIVE_ONE: &str = concat!(
    "UPDATE queue_cooldowns SET declines = declines - 1 WHERE declines > 1 AND ",
    stayers!()
);

impl Transaction {
    /// Takes one strike back from each player of `match_id` who did not leave it (two
    /// statements, whatever the match's size): a count of one goes with its row once the
    /// cooldown is over (a cooldown still running keeps it).
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "forgive_strikes"))]
    pub async fn forgive_strikes(&mut self, match_id: Uuid) -> Result<(), StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            sqlx::query(FORGIVE_LAST).bind(match_id).bind(now).execute(&mut *conn).await?;
            sqlx::query(FORGIVE_ONE).bind(match_id).execute(&mut *conn).await?;
            Ok(())
        })
    }

    /// The player's cooldown, ended or not; `None` when they never declined.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "queue_cooldown"))]
    pub async fn queue_cooldown(
        &mut self,
        player_id: Uuid,
    ) -> Result<Option<QueueCooldown>, StoreError> {
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, QueueCooldown>(SELECT)
                .bind(player_id)
                .fetch_optional(&mut *conn)
                .await?)
        })
    }

    /// Stores the player's cooldown, replacing the one they had.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "put_queue_cooldown"))]
    pub async fn put_queue_cooldown(&mut self, cooldown: &QueueCooldown) -> Result<(), StoreError> {
        on_tx!(self, conn => {
            sqlx::query(UPSERT)
                .bind(cooldown.player_id)
                .bind(cooldown.declines)
                .bind(cooldown.declined_at)
                .bind(cooldown.until)
                .execute(&mut *conn)
                .await?;
            Ok(())
        })
    }
}
