//! Appeals: a sanctioned player's request, once per sanction (`appeals_once`), that it be
//! lifted. A moderator upholds or overturns it with a reason; the decision is final (the
//! update is conditional on `pending`, so two moderators deciding at once get one decision).

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;

text_enum! {
    /// Where an appeal stands.
    AppealState {
        /// Waiting for a moderator.
        Pending = "pending",
        /// The sanction stands.
        Upheld = "upheld",
        /// The sanction was lifted.
        Overturned = "overturned",
    }
}

/// An appeal as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Appeal {
    /// Its id (UUIDv7).
    pub id: Uuid,
    /// The sanction appealed.
    pub sanction_id: Uuid,
    /// The player who appeals.
    pub player_id: Uuid,
    /// Their words.
    pub text: String,
    /// Where it stands.
    pub state: AppealState,
    /// The operator who decided it.
    pub decided_by: Option<String>,
    /// Why, as they gave it.
    pub decision_reason: Option<String>,
    /// When it was filed.
    pub created_at: Timestamp,
    /// When it was decided.
    pub decided_at: Option<Timestamp>,
}

/// An appeal's columns (a literal, for `concat!`).
macro_rules! columns {
    () => {
        "id, sanction_id, player_id, text, state, decided_by, decision_reason, created_at, \
         decided_at"
    };
}

const INSERT: &str = concat!(
    "INSERT INTO appeals (id, sanction_id, player_id, text, created_at) \
     VALUES ($1, $2, $3, $4, $5) RETURNING ",
    columns!()
);
const DECIDE: &str = concat!(
    "UPDATE appeals SET state = $2, decided_by = $3, decision_reason = $4, decided_at = $5 \
     WHERE id = $1 AND state = 'pending' RETURNING ",
    columns!()
);
const SELECT_ONE: &str = concat!("SELECT ", columns!(), " FROM appeals WHERE id = $1");
const OF_PLAYER: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM appeals WHERE player_id = $1 ORDER BY id DESC"
);
const PAGE: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM appeals WHERE ($1 IS NULL OR state = $1) AND id < $2 ORDER BY id DESC LIMIT $3"
);

impl Transaction {
    /// Files `player_id`'s appeal of `sanction_id` with `text`: [`StoreError::Conflict`] on
    /// `appeals_once` when the sanction was appealed already.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "file_appeal"))]
    pub async fn file_appeal(
        &mut self,
        sanction_id: Uuid,
        player_id: Uuid,
        text: &str,
    ) -> Result<Appeal, StoreError> {
        let (id, now) = (Uuid::now_v7(), self.now());
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Appeal>(INSERT)
                .bind(id)
                .bind(sanction_id)
                .bind(player_id)
                .bind(text)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        })
    }

    /// Decides the pending appeal `id` as `state`, by `by`, for `reason`; `None` when there is
    /// no such appeal or it was decided already.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "decide_appeal"))]
    pub async fn decide_appeal(
        &mut self,
        id: Uuid,
        state: AppealState,
        by: &str,
        reason: &str,
    ) -> Result<Option<Appeal>, StoreError> {
        debug_assert!(state != AppealState::Pending, "a decision ends the wait");
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Appeal>(DECIDE)
                .bind(id)
                .bind(state)
                .bind(by)
                .bind(reason)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await?)
        })
    }
}

impl Store {
    /// The appeal `id`.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "appeal"))]
    pub async fn appeal(&self, id: Uuid) -> Result<Option<Appeal>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Appeal>(SELECT_ONE).bind(id).fetch_optional(pool).await?)
        })
    }

    /// The player's appeals, newest first.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "appeals_of"))]
    pub async fn appeals_of(&self, player_id: Uuid) -> Result<Vec<Appeal>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Appeal>(OF_PLAYER).bind(player_id).fetch_all(pool).await?)
        })
    }

    /// Up to `limit` appeals in `state` (any when `None`), newest first, older than `before`.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "appeals"))]
    pub async fn appeals(
        &self,
        state: Option<AppealState>,
        before: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<Appeal>, StoreError> {
        let before = before.unwrap_or(Uuid::max());
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Appeal>(PAGE)
                .bind(state)
                .bind(before)
                .bind(limit)
                .fetch_all(pool)
                .await?)
        })
    }
}
