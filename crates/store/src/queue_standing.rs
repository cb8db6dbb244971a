//! What queueing reads about players before it admits them to a queue, in one query: each
//! one's display name, whether they are on a searching ticket or in a match not yet over,
//! the active season, their rating in the queue's mode for it, and their queue cooldown.

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::{Pool, Store};
use crate::timestamp::Timestamp;

/// A player as queueing sees them before admitting them.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct QueueStanding {
    /// The player.
    pub player_id: Uuid,
    /// Their display name.
    pub display_name: String,
    /// Whether they are on a searching ticket.
    pub queued: bool,
    /// Whether they are in a match that is created or active.
    pub in_match: bool,
    /// The active season, if there is one.
    pub season_id: Option<Uuid>,
    /// Their rating's mean in the mode for the active season, if they have one.
    pub mean: Option<f64>,
    /// Its uncertainty.
    pub uncertainty: Option<f64>,
    /// Its Glicko-2 volatility.
    pub volatility: Option<f64>,
    /// The end of their queue cooldown for declining a match, if they ever had one (it may
    /// have passed).
    pub cooldown_until: Option<Timestamp>,
    /// The end of the queue cooldown an operator or a rule gave them as a sanction, while one
    /// is not lifted (it may have passed; a cooldown sanction always has an end).
    pub sanction_until: Option<Timestamp>,
}

/// Everything but the `WHERE` of the standings query (a literal, for `concat!`).
macro_rules! standings_of {
    () => {
        "SELECT p.id AS player_id, p.display_name, \
         EXISTS (SELECT 1 FROM ticket_members t \
                 WHERE t.player_id = p.id AND t.state = 'searching') AS queued, \
         EXISTS (SELECT 1 FROM match_participants mp JOIN matches m ON m.id = mp.match_id \
                 WHERE mp.player_id = p.id AND m.state IN ('created', 'active')) AS in_match, \
         s.id AS season_id, r.mean, r.uncertainty, r.volatility, c.until AS cooldown_until, \
         x.until AS sanction_until \
         FROM players p \
         LEFT JOIN seasons s ON s.state = 'active' \
         LEFT JOIN queue_cooldowns c ON c.player_id = p.id \
         LEFT JOIN sanctions x ON x.player_id = p.id AND x.kind = 'cooldown' \
                              AND x.lifted_at IS NULL \
         LEFT JOIN ratings r ON r.player_id = p.id AND r.season_id = s.id AND r.mode = $2 "
    };
}
const SELECT_ALL: &str = concat!(standings_of!(), "WHERE p.id = ANY($1)");
const SELECT_ONE: &str = concat!(standings_of!(), "WHERE p.id = $1");

impl Store {
    /// How queueing sees each player of `players` that exists (in no order) for a queue of
    /// `mode`: one query on PostgreSQL, one per player on SQLite.
    ///
    /// One player (a solo queue, the common case) is read by id alone on PostgreSQL too, and
    /// must stay so: the store's connections force generic plans (see [`Store::connect`]), and
    /// the generic plan of the array query expects ten players, so while `ratings` is small it
    /// joins them by hashing a sequential scan of the whole table, a plan the connection then
    /// keeps as the table grows. Under `rally bench loop` that made the read 8 ms on average
    /// and up to 650 ms, and the node shed requests; read by id, it is an index lookup.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "queue_standings"))]
    pub async fn queue_standings(
        &self,
        players: &[Uuid],
        mode: &str,
    ) -> Result<Vec<QueueStanding>, StoreError> {
        match (&self.pool, players) {
            (Pool::Postgres(pool), [player]) => Ok(sqlx::query_as::<_, QueueStanding>(SELECT_ONE)
                .bind(player)
                .bind(mode)
                .fetch_optional(pool)
                .await?
                .into_iter()
                .collect()),
            (Pool::Postgres(pool), _) => Ok(sqlx::query_as::<_, QueueStanding>(SELECT_ALL)
                .bind(players)
                .bind(mode)
                .fetch_all(pool)
                .await?),
            (Pool::Sqlite(pool), _) => {
                let mut all = Vec::with_capacity(players.len());
                for player in players {
                    let standing = sqlx::query_as::<_, QueueStanding>(SELECT_ONE)
                        .bind(player)
                        .bind(mode)
                        .fetch_optional(pool)
                        .await?;
                    all.extend(standing);
                }
                Ok(all)
            }
        }
    }
}
