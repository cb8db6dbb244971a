//! Blocks: one row per player blocking another (`player_blocks_pkey` over the pair in that
//! order). Blocking is one-sided to store and two-sided in effect: either way, the two cannot
//! befriend or invite one another, and the matchmaker keeps them apart ([`Store::avoided_by`]).

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::{Pool, Store};
use crate::timestamp::Timestamp;
use crate::transaction::{Inner, Transaction};

/// A player the caller blocked, as their block list shows it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct BlockEntry {
    /// The blocked player.
    pub blocked_id: Uuid,
    /// Their display name.
    pub display_name: String,
    /// When they were blocked.
    pub created_at: Timestamp,
}

const INSERT: &str = "INSERT INTO player_blocks (blocker_id, blocked_id, created_at) \
     VALUES ($1, $2, $3) ON CONFLICT (blocker_id, blocked_id) DO NOTHING";
const DELETE: &str = "DELETE FROM player_blocks WHERE blocker_id = $1 AND blocked_id = $2";
const COUNT: &str = "SELECT COUNT(*) FROM player_blocks WHERE blocker_id = $1";
const LIST: &str = "SELECT b.blocked_id, p.display_name, b.created_at \
     FROM player_blocks b JOIN players p ON p.id = b.blocked_id \
     WHERE b.blocker_id = $1 ORDER BY b.created_at DESC, b.blocked_id";
const AVOIDED_POSTGRES: &str = "SELECT blocked_id FROM player_blocks WHERE blocker_id = ANY($1) \
     UNION SELECT blocker_id FROM player_blocks WHERE blocked_id = ANY($1)";

/// SQLite's `IN (...)` list for `players`, numbered from placeholder `$first` on (SQLite has no
/// arrays; a numbered placeholder may be used twice).
fn sqlite_in(players: &[Uuid], first: usize) -> String {
    let placeholders: Vec<String> = (first..first + players.len())
        .map(|i| format!("${i}"))
        .collect();
    format!("({})", placeholders.join(", "))
}

fn distinct(players: &[Uuid]) -> Vec<Uuid> {
    let mut ids = players.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

impl Transaction {
    /// `blocker` blocks `blocked`; whether the block is new (blocking twice changes nothing).
    /// [`StoreError::Invalid`] on `player_blocks_not_self` for a player blocking themselves;
    /// [`StoreError::Conflict`] when either player does not exist.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "block"))]
    pub async fn block(&mut self, blocker: Uuid, blocked: Uuid) -> Result<bool, StoreError> {
        let now = self.now();
        let added = on_tx!(self, conn => {
            sqlx::query(INSERT)
                .bind(blocker)
                .bind(blocked)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(added > 0)
    }

    /// `blocker` lifts their block of `blocked`; whether there was one.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "unblock"))]
    pub async fn unblock(&mut self, blocker: Uuid, blocked: Uuid) -> Result<bool, StoreError> {
        let deleted = on_tx!(self, conn => {
            sqlx::query(DELETE)
                .bind(blocker)
                .bind(blocked)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(deleted > 0)
    }

    /// How many players `blocker` has blocked.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "block_count"))]
    pub async fn block_count(&mut self, blocker: Uuid) -> Result<i64, StoreError> {
        on_tx!(self, conn => {
            Ok(sqlx::query_scalar::<_, i64>(COUNT)
                .bind(blocker)
                .fetch_one(&mut *conn)
                .await?)
        })
    }

    /// Those of `others` who blocked `player` or whom `player` blocked, each once.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "blocks_between"))]
    pub async fn blocks_between(
        &mut self,
        player: Uuid,
        others: &[Uuid],
    ) -> Result<Vec<Uuid>, StoreError> {
        let others = distinct(others);
        if others.is_empty() {
            return Ok(Vec::new());
        }
        let avoided = match &mut self.inner {
            Inner::Postgres(tx) => {
                sqlx::query_scalar::<_, Uuid>(
                    "SELECT blocked_id FROM player_blocks \
                     WHERE blocker_id = $1 AND blocked_id = ANY($2) \
                     UNION SELECT blocker_id FROM player_blocks \
                     WHERE blocked_id = $1 AND blocker_id = ANY($2)",
                )
                .bind(player)
                .bind(&others)
                .fetch_all(&mut **tx)
                .await?
            }
            Inner::Sqlite(tx) => {
                let list = sqlite_in(&others, 2);
                let sql = format!(
                    "SELECT blocked_id FROM player_blocks \
                     WHERE blocker_id = $1 AND blocked_id IN {list} \
                     UNION SELECT blocker_id FROM player_blocks \
                     WHERE blocked_id = $1 AND blocker_id IN {list}"
                );
                let mut query =
                    sqlx::query_scalar::<_, Uuid>(sqlx::AssertSqlSafe(sql)).bind(player);
                for id in &others {
                    query = query.bind(*id);
                }
                query.fetch_all(&mut **tx).await?
            }
        };
        Ok(avoided)
    }
}

impl Store {
    /// The players `blocker` blocked, most recent first.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "blocks_of"))]
    pub async fn blocks_of(&self, blocker: Uuid) -> Result<Vec<BlockEntry>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, BlockEntry>(LIST)
                .bind(blocker)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Every player blocked by, or blocking, one of `players`, each once: who a ticket or a
    /// running match of `players` must be kept apart from.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "avoided_by"))]
    pub async fn avoided_by(&self, players: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        let players = distinct(players);
        if players.is_empty() {
            return Ok(Vec::new());
        }
        match &self.pool {
            Pool::Postgres(pool) => Ok(sqlx::query_scalar::<_, Uuid>(AVOIDED_POSTGRES)
                .bind(&players)
                .fetch_all(pool)
                .await?),
            Pool::Sqlite(pool) => {
                let list = sqlite_in(&players, 1);
                let sql = format!(
                    "SELECT blocked_id FROM player_blocks WHERE blocker_id IN {list} \
                     UNION SELECT blocker_id FROM player_blocks WHERE blocked_id IN {list}"
                );
                let mut query = sqlx::query_scalar::<_, Uuid>(sqlx::AssertSqlSafe(sql));
                for id in &players {
                    query = query.bind(*id);
                }
                Ok(query.fetch_all(pool).await?)
            }
        }
    }
}
