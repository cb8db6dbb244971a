//! The audit log: one line per operator action (who, what, on what, why, when, and any detail),
//! append-only: there is no method to change or delete a line, and the database refuses it
//! (`audit_log_append_only`). A line written in a transaction lands with the change it records,
//! or not at all.

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;

/// A line to write.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAuditEntry {
    /// The operator who acted; `None` for the command line on the server itself.
    pub operator_id: Option<Uuid>,
    /// Who acted, as shown: the operator's name, or `cli`.
    pub actor: String,
    /// What they did: `operator.add`, `player.ban`, ...
    pub action: String,
    /// What they did it to (a player's or operator's id or name), if anything.
    pub target: Option<String>,
    /// Why, as they gave it.
    pub reason: Option<String>,
    /// Anything else worth keeping, as json (`{}` for nothing).
    pub detail: serde_json::Value,
}

/// A line as stored.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct AuditEntry {
    /// Its id (UUIDv7: later lines sort after earlier ones).
    pub id: Uuid,
    /// The operator who acted, if one did.
    pub operator_id: Option<Uuid>,
    /// Who acted, as shown.
    pub actor: String,
    /// What they did.
    pub action: String,
    /// What they did it to.
    pub target: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// The rest.
    pub detail: serde_json::Value,
    /// When.
    pub at: Timestamp,
}

const INSERT: &str = "INSERT INTO audit_log \
     (id, operator_id, actor, action, target, reason, detail, at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const PAGE: &str = "SELECT id, operator_id, actor, action, target, reason, detail, at \
     FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2";

impl Transaction {
    /// Writes `entry` with this transaction's changes; its id.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "audit"))]
    pub async fn audit(&mut self, entry: &NewAuditEntry) -> Result<Uuid, StoreError> {
        let (id, at) = (Uuid::now_v7(), self.now());
        on_tx!(self, conn => {
            sqlx::query(INSERT)
                .bind(id)
                .bind(entry.operator_id)
                .bind(&entry.actor)
                .bind(&entry.action)
                .bind(&entry.target)
                .bind(&entry.reason)
                .bind(&entry.detail)
                .bind(at)
                .execute(&mut *conn)
                .await?;
        });
        Ok(id)
    }
}

impl Store {
    /// Writes `entry` on its own; its id.
    pub async fn audit(&self, entry: &NewAuditEntry) -> Result<Uuid, StoreError> {
        let mut tx = self.begin().await?;
        let id = tx.audit(entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Up to `limit` lines, newest first, older than the line `before` when given.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "audit_log"))]
    pub async fn audit_log(
        &self,
        before: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let before = before.unwrap_or(Uuid::max());
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, AuditEntry>(PAGE)
                .bind(before)
                .bind(limit)
                .fetch_all(pool)
                .await?)
        })
    }
}
