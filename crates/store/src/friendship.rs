//! Friendships: one row per pair of players (`friendships_pair_key` over the pair in id order),
//! pending from the requester until the addressee accepts; declining, cancelling and removing
//! delete it. Changes lock both players' rows first, in id order
//! ([`Transaction::lock_players`]), so a player's counts (friends, requests waiting) are decided
//! with nothing else changing them, and two requests crossing each other queue.

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::{Pool, Store};
use crate::timestamp::Timestamp;
use crate::transaction::{Inner, Transaction};

text_enum! {
    /// Where a friendship is.
    FriendshipState {
        /// Asked by the requester, not yet accepted.
        Pending = "pending",
        /// Both are friends.
        Accepted = "accepted",
    }
}

/// A friendship, or a request for one.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Friendship {
    /// Its id.
    pub id: Uuid,
    /// Who asked.
    pub requester_id: Uuid,
    /// Who was asked.
    pub addressee_id: Uuid,
    /// Pending or accepted.
    pub state: FriendshipState,
    /// When it was asked.
    pub created_at: Timestamp,
    /// When it last changed (accepted).
    pub updated_at: Timestamp,
}

impl Friendship {
    /// The other player of the pair, seen from `player_id`.
    pub fn other(&self, player_id: Uuid) -> Uuid {
        if self.requester_id == player_id {
            self.addressee_id
        } else {
            self.requester_id
        }
    }
}

/// What the store knows of where a player is, for their friends.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Whereabouts {
    /// When their last gateway session ended, if ever.
    pub last_seen_at: Option<Timestamp>,
    /// Whether they are in a party.
    pub in_party: bool,
    /// Whether they are on a searching ticket.
    pub in_queue: bool,
    /// Whether they are in a match not yet over.
    pub in_match: bool,
}

/// A player's friendship as their friends list shows it: the other player, and where they are.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct FriendEntry {
    /// The friendship.
    #[sqlx(flatten)]
    pub friendship: Friendship,
    /// The other player.
    pub friend_id: Uuid,
    /// Their display name.
    pub display_name: String,
    /// Where they are.
    #[sqlx(flatten)]
    pub whereabouts: Whereabouts,
}

/// How many friendships a player has, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FriendCounts {
    /// Accepted friendships.
    pub friends: i64,
    /// Requests the player sent, pending.
    pub outgoing: i64,
    /// Requests the player received, pending.
    pub incoming: i64,
}

// NO KEY UPDATE: friend changes of the same players queue, while the key-share locks that
// every insert referencing a player takes (a match's participants, a ticket's members) do not
// wait for it, so no such insert, in whatever order it names players, deadlocks with it.
const LOCK_PLAYERS_POSTGRES: &str =
    "SELECT id FROM players WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE";
const BETWEEN: &str = "SELECT id, requester_id, addressee_id, state, created_at, updated_at \
     FROM friendships WHERE low_id = $1 AND high_id = $2";
const INSERT: &str = "INSERT INTO friendships \
     (id, requester_id, addressee_id, low_id, high_id, state, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6) \
     RETURNING id, requester_id, addressee_id, state, created_at, updated_at";
const ACCEPT: &str = "UPDATE friendships SET state = 'accepted', updated_at = $2 \
     WHERE id = $1 AND state = 'pending' \
     RETURNING id, requester_id, addressee_id, state, created_at, updated_at";
const DELETE: &str = "DELETE FROM friendships WHERE id = $1";
const COUNTS: &str = "SELECT \
     COALESCE(SUM(CASE WHEN state = 'accepted' THEN 1 ELSE 0 END), 0) AS friends, \
     COALESCE(SUM(CASE WHEN state = 'pending' AND requester_id = $1 THEN 1 ELSE 0 END), 0) \
       AS outgoing, \
     COALESCE(SUM(CASE WHEN state = 'pending' AND addressee_id = $1 THEN 1 ELSE 0 END), 0) \
       AS incoming \
     FROM friendships WHERE requester_id = $1 OR addressee_id = $1";
/// A player `p`'s whereabouts, as columns (a literal, for `concat!`).
macro_rules! whereabouts_of_p {
    () => {
        "p.last_seen_at, \
         EXISTS (SELECT 1 FROM party_members pm WHERE pm.player_id = p.id) AS in_party, \
         EXISTS (SELECT 1 FROM ticket_members t \
                 WHERE t.player_id = p.id AND t.state = 'searching') AS in_queue, \
         EXISTS (SELECT 1 FROM match_participants mp JOIN matches m ON m.id = mp.match_id \
                 WHERE mp.player_id = p.id AND m.state IN ('created', 'active')) AS in_match "
    };
}
const WHEREABOUTS: &str = concat!(
    "SELECT ",
    whereabouts_of_p!(),
    "FROM players p WHERE p.id = $1"
);
/// Everything but the `WHERE` of a friends list entry, seen by player `$1` (a literal).
macro_rules! entries_of {
    () => {
        concat!(
            "SELECT f.id, f.requester_id, f.addressee_id, f.state, f.created_at, f.updated_at, \
             p.id AS friend_id, p.display_name, ",
            whereabouts_of_p!(),
            "FROM friendships f \
             JOIN players p ON p.id = CASE WHEN f.requester_id = $1 THEN f.addressee_id \
                                           ELSE f.requester_id END "
        )
    };
}
const ENTRY: &str = concat!(entries_of!(), "WHERE f.low_id = $2 AND f.high_id = $3");
const LIST: &str = concat!(
    entries_of!(),
    "WHERE f.requester_id = $1 OR f.addressee_id = $1 \
     ORDER BY f.state, p.display_name, p.id"
);
const FRIEND_IDS: &str = "SELECT CASE WHEN requester_id = $1 THEN addressee_id \
     ELSE requester_id END FROM friendships \
     WHERE (requester_id = $1 OR addressee_id = $1) AND state = 'accepted'";
const SEEN: &str = "UPDATE players SET last_seen_at = $2 WHERE id = $1";
const WITH_FRIENDS_POSTGRES: &str = "SELECT requester_id FROM friendships \
     WHERE requester_id = ANY($1) AND state = 'accepted' \
     UNION SELECT addressee_id FROM friendships \
     WHERE addressee_id = ANY($1) AND state = 'accepted'";

/// The pair in id order, as the key stores it.
fn pair(a: Uuid, b: Uuid) -> (Uuid, Uuid) {
    if a < b { (a, b) } else { (b, a) }
}

impl Transaction {
    /// Locks the rows of `player_ids` in id order for the rest of this transaction; the ids of
    /// those that exist. On SQLite the transaction holds the only write lock already.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "lock_players"))]
    pub async fn lock_players(&mut self, player_ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        let mut ids = player_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        match &mut self.inner {
            Inner::Postgres(tx) => Ok(sqlx::query_scalar::<_, Uuid>(LOCK_PLAYERS_POSTGRES)
                .bind(&ids)
                .fetch_all(&mut **tx)
                .await?),
            Inner::Sqlite(tx) => {
                let mut found = Vec::with_capacity(ids.len());
                for id in ids {
                    let row = sqlx::query_scalar::<_, Uuid>("SELECT id FROM players WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut **tx)
                        .await?;
                    found.extend(row);
                }
                Ok(found)
            }
        }
    }

    /// The friendship (or request) between `a` and `b`, whichever asked.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "friendship_between"))]
    pub async fn friendship_between(
        &mut self,
        a: Uuid,
        b: Uuid,
    ) -> Result<Option<Friendship>, StoreError> {
        let (low, high) = pair(a, b);
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Friendship>(BETWEEN)
                .bind(low)
                .bind(high)
                .fetch_optional(&mut *conn)
                .await?)
        })
    }

    /// Stores a pending request from `requester_id` to `addressee_id`.
    /// [`StoreError::Conflict`] on `friendships_pair_key` when the pair has a row already;
    /// [`StoreError::Invalid`] on `friendships_pair_ordered` for a player asking themselves.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "create_friend_request"))]
    pub async fn create_friend_request(
        &mut self,
        id: Uuid,
        requester_id: Uuid,
        addressee_id: Uuid,
    ) -> Result<Friendship, StoreError> {
        let (low, high) = pair(requester_id, addressee_id);
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Friendship>(INSERT)
                .bind(id)
                .bind(requester_id)
                .bind(addressee_id)
                .bind(low)
                .bind(high)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        })
    }

    /// Accepts a pending request; [`StoreError::NotFound`] when it is not pending.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "accept_friendship"))]
    pub async fn accept_friendship(&mut self, id: Uuid) -> Result<Friendship, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Friendship>(ACCEPT)
                .bind(id)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        })
    }

    /// Deletes a friendship or request; whether it existed.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "delete_friendship"))]
    pub async fn delete_friendship(&mut self, id: Uuid) -> Result<bool, StoreError> {
        let deleted = on_tx!(self, conn => {
            sqlx::query(DELETE).bind(id).execute(&mut *conn).await?.rows_affected()
        });
        Ok(deleted > 0)
    }

    /// The friendship of `caller` and `other` as `caller`'s list shows it, if there is one.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "friend_entry"))]
    pub async fn friend_entry(
        &mut self,
        caller: Uuid,
        other: Uuid,
    ) -> Result<Option<FriendEntry>, StoreError> {
        let (low, high) = pair(caller, other);
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, FriendEntry>(ENTRY)
                .bind(caller)
                .bind(low)
                .bind(high)
                .fetch_optional(&mut *conn)
                .await?)
        })
    }

    /// How many friends and pending requests `player_id` has.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "friend_counts"))]
    pub async fn friend_counts(&mut self, player_id: Uuid) -> Result<FriendCounts, StoreError> {
        let (friends, outgoing, incoming) = on_tx!(self, conn => {
            sqlx::query_as::<_, (i64, i64, i64)>(COUNTS)
                .bind(player_id)
                .fetch_one(&mut *conn)
                .await?
        });
        Ok(FriendCounts {
            friends,
            outgoing,
            incoming,
        })
    }
}

impl Store {
    /// Every friendship and request of `player_id`, accepted first, each with the other player
    /// and whether they are in a party, a queue or a match.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "friends_of"))]
    pub async fn friends_of(&self, player_id: Uuid) -> Result<Vec<FriendEntry>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, FriendEntry>(LIST)
                .bind(player_id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Where `player_id` is, for their friends; [`StoreError::NotFound`] when there is no such
    /// player.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "whereabouts"))]
    pub async fn whereabouts(&self, player_id: Uuid) -> Result<Whereabouts, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Whereabouts>(WHEREABOUTS)
                .bind(player_id)
                .fetch_one(pool)
                .await?)
        })
    }

    /// The players `player_id` is friends with (accepted).
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "friend_ids"))]
    pub async fn friend_ids(&self, player_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, Uuid>(FRIEND_IDS)
                .bind(player_id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Those of `player_ids` with at least one friend (accepted), in no particular order: the
    /// players whose moves their friends are told of.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "with_friends"))]
    pub async fn with_friends(&self, player_ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        let mut ids = player_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        match &self.pool {
            Pool::Postgres(pool) => Ok(sqlx::query_scalar::<_, Uuid>(WITH_FRIENDS_POSTGRES)
                .bind(&ids)
                .fetch_all(pool)
                .await?),
            Pool::Sqlite(pool) => {
                // One placeholder per id, each named once and read by both halves.
                let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
                let list = placeholders.join(", ");
                let sql = format!(
                    "SELECT requester_id FROM friendships \
                     WHERE requester_id IN ({list}) AND state = 'accepted' \
                     UNION SELECT addressee_id FROM friendships \
                     WHERE addressee_id IN ({list}) AND state = 'accepted'"
                );
                let mut query = sqlx::query_scalar::<_, Uuid>(sqlx::AssertSqlSafe(sql));
                for id in ids {
                    query = query.bind(id);
                }
                Ok(query.fetch_all(pool).await?)
            }
        }
    }

    /// Records that `player_id` was last seen at `at` (their last socket closed).
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "mark_seen"))]
    pub async fn mark_seen(&self, player_id: Uuid, at: Timestamp) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                sqlx::query(SEEN)
                    .bind(player_id)
                    .bind(at)
                    .execute(pool)
                    .await?;
            }
            Pool::Postgres(pool) => {
                sqlx::query(SEEN)
                    .bind(player_id)
                    .bind(at)
                    .execute(pool)
                    .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_the_same_whoever_asks() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(pair(a, b), pair(b, a));
        assert_eq!(pair(a, b), (a, b));
    }
}
