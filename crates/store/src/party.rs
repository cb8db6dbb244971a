//! Parties and their members.
//!
//! A player is in at most one party (`party_members_player_key`); a party never holds more
//! than its size (`parties_member_count_max`, checked on the counter every join updates, so
//! two players taking the last slot at once give one success and one conflict).

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;

text_enum! {
    /// Where a party is in its life.
    PartyState {
        /// Forming or waiting.
        Active = "active",
        /// Queued for a match.
        Queued = "queued",
        /// Closed (empty or disbanded).
        Closed = "closed",
    }
}

text_enum! {
    /// Where a party's ready check is: asked, or how it ended.
    ReadyCheckState {
        /// Asked; waiting for every member to answer ready before the deadline.
        Pending = "pending",
        /// Every member answered ready in time.
        Passed = "passed",
        /// A member answered not ready.
        Failed = "failed",
        /// The deadline passed before every member was ready.
        Expired = "expired",
    }
}

/// A party to create; its leader becomes its first member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewParty {
    /// The party's id (usually [`new_id`](crate::new_id)).
    pub id: Uuid,
    /// The creator, who leads.
    pub leader_id: Uuid,
    /// Most members the party may hold (1..=100).
    pub max_size: i32,
    /// Whether anyone may join without an invite.
    pub open: bool,
}

/// A stored party.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Party {
    /// The party's id.
    pub id: Uuid,
    /// The leader.
    pub leader_id: Uuid,
    /// Most members the party may hold.
    pub max_size: i32,
    /// Members now.
    pub member_count: i32,
    /// Whether anyone may join without an invite.
    pub open: bool,
    /// Where the party is in its life.
    pub state: PartyState,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// The last ready check's state, if one was ever started.
    pub ready_check_state: Option<ReadyCheckState>,
    /// The last ready check's deadline, if one was ever started.
    pub ready_check_deadline: Option<Timestamp>,
}

/// A member of a party.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PartyMember {
    /// The party.
    pub party_id: Uuid,
    /// The member.
    pub player_id: Uuid,
    /// When the member joined (the longest-standing member leads when the leader leaves).
    pub joined_at: Timestamp,
    /// The member's answer to the ready check.
    pub ready: bool,
}

const INSERT_PARTY: &str = "INSERT INTO parties \
     (id, leader_id, max_size, member_count, open, state, created_at, updated_at) \
     VALUES ($1, $2, $3, 1, $4, 'active', $5, $5) \
     RETURNING id, leader_id, max_size, member_count, open, state, created_at, updated_at, \
     ready_check_state, ready_check_deadline";
const INSERT_MEMBER: &str = "INSERT INTO party_members (party_id, player_id, joined_at, ready) \
     VALUES ($1, $2, $3, $4) RETURNING party_id, player_id, joined_at, ready";
const COUNT_JOIN: &str = "UPDATE parties SET member_count = member_count + 1, updated_at = $2 \
     WHERE id = $1 AND state <> 'closed'";
const DELETE_MEMBER: &str = "DELETE FROM party_members WHERE party_id = $1 AND player_id = $2";
const COUNT_LEAVE: &str = "UPDATE parties SET member_count = member_count - 1, updated_at = $2, \
     state = CASE WHEN member_count = 1 THEN 'closed' ELSE state END \
     WHERE id = $1";
/// Hands the lead to the longest-standing member when the leader `$2` has just left.
const HAND_OVER: &str = "UPDATE parties SET leader_id = (SELECT player_id FROM party_members \
     WHERE party_id = $1 ORDER BY joined_at, player_id LIMIT 1) \
     WHERE id = $1 AND leader_id = $2 AND member_count > 0";
const SELECT_PARTY: &str = "SELECT id, leader_id, max_size, member_count, open, state, \
     created_at, updated_at, ready_check_state, ready_check_deadline FROM parties WHERE id = $1";
const SELECT_PARTY_OF_PLAYER: &str = "SELECT p.id, p.leader_id, p.max_size, p.member_count, \
     p.open, p.state, p.created_at, p.updated_at, p.ready_check_state, p.ready_check_deadline \
     FROM parties p JOIN party_members m ON m.party_id = p.id WHERE m.player_id = $1";
const SELECT_MEMBERS: &str = "SELECT party_id, player_id, joined_at, ready FROM party_members \
     WHERE party_id = $1 ORDER BY joined_at, player_id";

impl Transaction {
    /// Creates a party led by `new.leader_id`, who becomes its first member.
    /// [`StoreError::Conflict`] on `party_members_player_key` when the leader is already in a
    /// party.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "create_party"))]
    pub async fn create_party(&mut self, new: &NewParty) -> Result<Party, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            let party = sqlx::query_as::<_, Party>(INSERT_PARTY)
                .bind(new.id)
                .bind(new.leader_id)
                .bind(new.max_size)
                .bind(new.open)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?;
            sqlx::query(INSERT_MEMBER)
                .bind(new.id)
                .bind(new.leader_id)
                .bind(now)
                .bind(false)
                .execute(&mut *conn)
                .await?;
            Ok(party)
        })
    }

    /// Adds a member. [`StoreError::Conflict`] on `party_members_player_key` when the player
    /// is already in a party, on `parties_member_count_max` when the party is full, or on a
    /// foreign key when the party or player does not exist; [`StoreError::NotFound`] when the
    /// party is closed.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "add_party_member"))]
    pub async fn add_party_member(
        &mut self,
        party_id: Uuid,
        player_id: Uuid,
    ) -> Result<PartyMember, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            let member = sqlx::query_as::<_, PartyMember>(INSERT_MEMBER)
                .bind(party_id)
                .bind(player_id)
                .bind(now)
                .bind(false)
                .fetch_one(&mut *conn)
                .await?;
            let counted = sqlx::query(COUNT_JOIN)
                .bind(party_id)
                .bind(now)
                .execute(&mut *conn)
                .await
                .map_err(|e| full_party_is_a_conflict(e.into()))?;
            if counted.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(member)
        })
    }

    /// Removes a member and returns the party as it now is: the party closes when its last
    /// member leaves, and when the leader leaves the longest-standing member leads (in the same
    /// statement order on both databases, so no interleaving leaves a party without a leader).
    /// [`StoreError::NotFound`] when the player is not in that party.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "remove_party_member"))]
    pub async fn remove_party_member(
        &mut self,
        party_id: Uuid,
        player_id: Uuid,
    ) -> Result<Party, StoreError> {
        self.lock_party(party_id).await?;
        let now = self.now();
        on_tx!(self, conn => {
            let deleted = sqlx::query(DELETE_MEMBER)
                .bind(party_id)
                .bind(player_id)
                .execute(&mut *conn)
                .await?;
            if deleted.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query(COUNT_LEAVE).bind(party_id).bind(now).execute(&mut *conn).await?;
            sqlx::query(HAND_OVER).bind(party_id).bind(player_id).execute(&mut *conn).await?;
            Ok(sqlx::query_as::<_, Party>(SELECT_PARTY)
                .bind(party_id)
                .fetch_one(&mut *conn)
                .await?)
        })
    }
}

/// A full party is a race lost to another joiner: report it like a unique conflict.
fn full_party_is_a_conflict(error: StoreError) -> StoreError {
    match error {
        StoreError::Invalid { constraint } if constraint == "parties_member_count_max" => {
            StoreError::Conflict { constraint }
        }
        other => other,
    }
}

impl Store {
    /// [`Transaction::create_party`] in a transaction of its own.
    pub async fn create_party(&self, new: &NewParty) -> Result<Party, StoreError> {
        in_transaction!(self, tx => tx.create_party(new))
    }

    /// [`Transaction::add_party_member`] in a transaction of its own.
    pub async fn add_party_member(
        &self,
        party_id: Uuid,
        player_id: Uuid,
    ) -> Result<PartyMember, StoreError> {
        in_transaction!(self, tx => tx.add_party_member(party_id, player_id))
    }

    /// [`Transaction::remove_party_member`] in a transaction of its own.
    pub async fn remove_party_member(
        &self,
        party_id: Uuid,
        player_id: Uuid,
    ) -> Result<Party, StoreError> {
        in_transaction!(self, tx => tx.remove_party_member(party_id, player_id))
    }

    /// The party with this id, or [`StoreError::NotFound`].
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "party"))]
    pub async fn party(&self, id: Uuid) -> Result<Party, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Party>(SELECT_PARTY).bind(id).fetch_one(pool).await?)
        })
    }

    /// The party this player is in, if any.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "party_of_player"))]
    pub async fn party_of_player(&self, player_id: Uuid) -> Result<Option<Party>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Party>(SELECT_PARTY_OF_PLAYER)
                .bind(player_id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// The members of a party, longest-standing first.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "party_members"))]
    pub async fn party_members(&self, party_id: Uuid) -> Result<Vec<PartyMember>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, PartyMember>(SELECT_MEMBERS)
                .bind(party_id)
                .fetch_all(pool)
                .await?)
        })
    }
}
