//! Invitations to a party. At most one invite per party and invitee is pending
//! (`party_invites_pending_key`); a pending invite past its `expires_at` no longer admits.

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;

text_enum! {
    /// Where an invite is in its life.
    InviteState {
        /// Sent, not yet answered (it may still have expired by time).
        Pending = "pending",
        /// The invitee joined with it.
        Accepted = "accepted",
        /// The invitee declined it.
        Declined = "declined",
        /// It passed its expiry unanswered.
        Expired = "expired",
        /// Withdrawn (the party closed).
        Revoked = "revoked",
    }
}

/// An invite to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPartyInvite {
    /// The invite's id.
    pub id: Uuid,
    /// The party.
    pub party_id: Uuid,
    /// Who invites.
    pub inviter_id: Uuid,
    /// Who is invited.
    pub invitee_id: Uuid,
    /// When it stops admitting (after now).
    pub expires_at: Timestamp,
}

/// A stored invite.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PartyInvite {
    /// The invite's id.
    pub id: Uuid,
    /// The party.
    pub party_id: Uuid,
    /// Who invited.
    pub inviter_id: Uuid,
    /// Who is invited.
    pub invitee_id: Uuid,
    /// Where it is in its life.
    pub state: InviteState,
    /// When it was sent.
    pub created_at: Timestamp,
    /// When it stops admitting.
    pub expires_at: Timestamp,
}

const SELECT_LATEST: &str = "SELECT id, party_id, inviter_id, invitee_id, state, created_at, \
     expires_at FROM party_invites WHERE party_id = $1 AND invitee_id = $2 \
     ORDER BY created_at DESC, id DESC LIMIT 1";
const EXPIRE_STALE: &str = "UPDATE party_invites SET state = 'expired' \
     WHERE party_id = $1 AND invitee_id = $2 AND state = 'pending' AND expires_at <= $3";
const INSERT: &str = "INSERT INTO party_invites \
     (id, party_id, inviter_id, invitee_id, state, created_at, expires_at) \
     VALUES ($1, $2, $3, $4, 'pending', $5, $6) \
     RETURNING id, party_id, inviter_id, invitee_id, state, created_at, expires_at";
const ANSWER: &str = "UPDATE party_invites SET state = $4 \
     WHERE party_id = $1 AND invitee_id = $2 AND state = 'pending' AND expires_at > $3 \
     RETURNING id, party_id, inviter_id, invitee_id, state, created_at, expires_at";
const REVOKE_ALL: &str =
    "UPDATE party_invites SET state = 'revoked' WHERE party_id = $1 AND state = 'pending'";

impl Transaction {
    /// Sends an invite; a pending invite of the same pair that has expired is marked expired
    /// first. [`StoreError::Conflict`] on `party_invites_pending_key` while a live one exists,
    /// or on a foreign key when the party or a player does not exist.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "create_party_invite"))]
    pub async fn create_party_invite(
        &mut self,
        new: &NewPartyInvite,
    ) -> Result<PartyInvite, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            sqlx::query(EXPIRE_STALE)
                .bind(new.party_id)
                .bind(new.invitee_id)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            Ok(sqlx::query_as::<_, PartyInvite>(INSERT)
                .bind(new.id)
                .bind(new.party_id)
                .bind(new.inviter_id)
                .bind(new.invitee_id)
                .bind(now)
                .bind(new.expires_at)
                .fetch_one(&mut *conn)
                .await?)
        })
    }

    /// Answers the live (pending, unexpired at `now`) invite of `invitee_id` to the party with
    /// `answer` (accepted or declined). [`StoreError::NotFound`] when there is no live invite.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "answer_party_invite"))]
    pub async fn answer_party_invite(
        &mut self,
        party_id: Uuid,
        invitee_id: Uuid,
        now: Timestamp,
        answer: InviteState,
    ) -> Result<PartyInvite, StoreError> {
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, PartyInvite>(ANSWER)
                .bind(party_id)
                .bind(invitee_id)
                .bind(now)
                .bind(answer)
                .fetch_one(&mut *conn)
                .await?)
        })
    }

    /// Revokes every pending invite of a party (when it closes); returns how many.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "revoke_party_invites"))]
    pub async fn revoke_party_invites(&mut self, party_id: Uuid) -> Result<u64, StoreError> {
        on_tx!(self, conn => {
            Ok(sqlx::query(REVOKE_ALL).bind(party_id).execute(&mut *conn).await?.rows_affected())
        })
    }
}

impl Store {
    /// The most recent invite of `invitee_id` to the party, in any state.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "latest_party_invite"))]
    pub async fn latest_party_invite(
        &self,
        party_id: Uuid,
        invitee_id: Uuid,
    ) -> Result<Option<PartyInvite>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, PartyInvite>(SELECT_LATEST)
                .bind(party_id)
                .bind(invitee_id)
                .fetch_optional(pool)
                .await?)
        })
    }
}
