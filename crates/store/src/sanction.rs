//! Sanctions: the record of every ban, chat mute and queue cooldown a player was given, by
//! whom, why and until when, kept after it ends or is lifted. At most one sanction of a kind
//! holds per player (`sanctions_held_key`): giving one lifts the one before as `superseded`.
//! A ban's effect lives in [`bans`](crate::Ban) and the player's status, written in the same
//! transaction; a mute and a cooldown are read from here.

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;

text_enum! {
    /// What a sanction stops.
    SanctionKind {
        /// Everything: the account is refused.
        Ban = "ban",
        /// Sending chat messages.
        Mute = "mute",
        /// Queueing.
        Cooldown = "cooldown",
    }
}

/// The reason written on a sanction a newer one of its kind replaced.
pub const SUPERSEDED: &str = "superseded";

/// A sanction to give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSanction {
    /// Its id.
    pub id: Uuid,
    /// The player sanctioned.
    pub player_id: Uuid,
    /// What it stops.
    pub kind: SanctionKind,
    /// Why (1 to 500 characters).
    pub reason: String,
    /// When it ends; `None`: permanently.
    pub until: Option<Timestamp>,
    /// Who gave it: an operator's name, `cli`, or an automatic rule's name.
    pub given_by: String,
}

/// A sanction as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Sanction {
    /// Its id.
    pub id: Uuid,
    /// The player sanctioned.
    pub player_id: Uuid,
    /// What it stops.
    pub kind: SanctionKind,
    /// Why.
    pub reason: String,
    /// When it ends; `None`: permanently.
    pub until: Option<Timestamp>,
    /// When it was given.
    pub created_at: Timestamp,
    /// Who gave it.
    pub given_by: String,
    /// When it was lifted, if it was.
    pub lifted_at: Option<Timestamp>,
    /// Who lifted it.
    pub lifted_by: Option<String>,
    /// Why it was lifted ([`SUPERSEDED`] when a newer one replaced it).
    pub lift_reason: Option<String>,
}

impl Sanction {
    /// Whether it holds at `now`: not lifted, and not over.
    pub fn holds_at(&self, now: Timestamp) -> bool {
        self.lifted_at.is_none()
            && self
                .until
                .is_none_or(|until| until.unix_millis() > now.unix_millis())
    }
}

/// A sanction's columns (a literal, for `concat!`).
macro_rules! columns {
    () => {
        "id, player_id, kind, reason, until, created_at, given_by, lifted_at, lifted_by, \
         lift_reason"
    };
}
const SUPERSEDE: &str = "UPDATE sanctions SET lifted_at = $3, lifted_by = $4, lift_reason = $5 \
     WHERE player_id = $1 AND kind = $2 AND lifted_at IS NULL";
const INSERT: &str = concat!(
    "INSERT INTO sanctions (id, player_id, kind, reason, until, created_at, given_by) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
    columns!()
);
const LIFT: &str = concat!(
    "UPDATE sanctions SET lifted_at = $2, lifted_by = $3, lift_reason = $4 \
     WHERE id = $1 AND lifted_at IS NULL AND (until IS NULL OR until > $2) RETURNING ",
    columns!()
);
const SELECT_ONE: &str = concat!("SELECT ", columns!(), " FROM sanctions WHERE id = $1");
const SELECT_OF: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM sanctions WHERE player_id = $1 ORDER BY created_at DESC, id DESC"
);
const SELECT_HELD: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM sanctions WHERE player_id = $1 AND kind = $2 AND lifted_at IS NULL \
     AND (until IS NULL OR until > $3)"
);
const LIFT_HELD: &str = "UPDATE sanctions SET lifted_at = $3, lifted_by = $4, lift_reason = $5 \
     WHERE player_id = $1 AND kind = $2 AND lifted_at IS NULL AND (until IS NULL OR until > $3)";

impl Transaction {
    /// Gives `sanction`, lifting (as [`SUPERSEDED`]) the one of its kind the player had.
    /// [`StoreError::NotFound`] when there is no such player.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "give_sanction"))]
    pub async fn give_sanction(&mut self, sanction: &NewSanction) -> Result<Sanction, StoreError> {
        let now = self.now();
        let given: Result<Sanction, sqlx::Error> = on_tx!(self, conn => {
            sqlx::query(SUPERSEDE)
                .bind(sanction.player_id)
                .bind(sanction.kind)
                .bind(now)
                .bind(&sanction.given_by)
                .bind(SUPERSEDED)
                .execute(&mut *conn)
                .await?;
            sqlx::query_as::<_, Sanction>(INSERT)
                .bind(sanction.id)
                .bind(sanction.player_id)
                .bind(sanction.kind)
                .bind(&sanction.reason)
                .bind(sanction.until)
                .bind(now)
                .bind(&sanction.given_by)
                .fetch_one(&mut *conn)
                .await
        });
        match given {
            Ok(given) => Ok(given),
            Err(error) => match StoreError::from(error) {
                StoreError::Conflict { constraint }
                    if constraint == "sanctions_player_id_fkey"
                        || constraint == crate::error::SQLITE_FOREIGN_KEY =>
                {
                    Err(StoreError::NotFound)
                }
                other => Err(other),
            },
        }
    }

    /// Lifts the sanction `id` by `by` for `reason`: the sanction as lifted, or `None` when it
    /// no longer held (lifted already, or over).
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "lift_sanction"))]
    pub async fn lift_sanction(
        &mut self,
        id: Uuid,
        by: &str,
        reason: &str,
    ) -> Result<Option<Sanction>, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Sanction>(LIFT)
                .bind(id)
                .bind(now)
                .bind(by)
                .bind(reason)
                .fetch_optional(&mut *conn)
                .await?)
        })
    }

    /// The player's sanction of `kind` holding at `now`, read in this transaction.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "held_sanction"))]
    pub async fn held_sanction(
        &mut self,
        player_id: Uuid,
        kind: SanctionKind,
        now: Timestamp,
    ) -> Result<Option<Sanction>, StoreError> {
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Sanction>(SELECT_HELD)
                .bind(player_id)
                .bind(kind)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await?)
        })
    }

    /// Lifts the player's sanction of `kind` that holds, if one does; whether one did.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "lift_held_sanction"))]
    pub async fn lift_held_sanction(
        &mut self,
        player_id: Uuid,
        kind: SanctionKind,
        by: &str,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query(LIFT_HELD)
                .bind(player_id)
                .bind(kind)
                .bind(now)
                .bind(by)
                .bind(reason)
                .execute(&mut *conn)
                .await?
                .rows_affected() > 0)
        })
    }
}

impl Store {
    /// The sanction `id`, held or not.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "sanction"))]
    pub async fn sanction(&self, id: Uuid) -> Result<Option<Sanction>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Sanction>(SELECT_ONE).bind(id).fetch_optional(pool).await?)
        })
    }

    /// Every sanction the player was given, newest first.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "sanctions_of"))]
    pub async fn sanctions_of(&self, player_id: Uuid) -> Result<Vec<Sanction>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Sanction>(SELECT_OF).bind(player_id).fetch_all(pool).await?)
        })
    }

    /// The player's sanction of `kind` holding at `now`, if one does.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "held_sanction"))]
    pub async fn held_sanction(
        &self,
        player_id: Uuid,
        kind: SanctionKind,
        now: Timestamp,
    ) -> Result<Option<Sanction>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Sanction>(SELECT_HELD)
                .bind(player_id)
                .bind(kind)
                .bind(now)
                .fetch_optional(pool)
                .await?)
        })
    }
}
