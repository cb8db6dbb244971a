//! Chat messages: one row each in `chat_messages`, ordered within a channel by id (ids grow with
//! time); the newest message each player read per channel (`chat_reads`), for the unread
//! counts of direct messages; players' reports of messages (`chat_reports`); and the purge of
//! messages past their channel kind's retention.

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;

text_enum! {
    /// What kind of channel a message is in (each has its own retention).
    ChatKind {
        /// A party's channel.
        Party = "party",
        /// A match's channel, for every player of it.
        Match = "match",
        /// One team's channel in a match.
        Team = "team",
        /// Direct messages between two players.
        Direct = "dm",
    }
}

/// A message to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewChatMessage {
    /// Its id (time-ordered).
    pub id: Uuid,
    /// The channel's full name.
    pub channel: String,
    /// The channel's kind.
    pub kind: ChatKind,
    /// Who sent it.
    pub sender_id: Uuid,
    /// Their display name now.
    pub sender_name: String,
    /// For a direct message, the other player.
    pub recipient_id: Option<Uuid>,
    /// The text.
    pub body: String,
}

/// A stored message.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredChatMessage {
    /// Its id.
    pub id: Uuid,
    /// The channel's full name.
    pub channel: String,
    /// The channel's kind.
    pub kind: ChatKind,
    /// Who sent it.
    pub sender_id: Uuid,
    /// Their display name when they sent it.
    pub sender_name: String,
    /// For a direct message, the other player.
    pub recipient_id: Option<Uuid>,
    /// The text (kept for moderators after a delete).
    pub body: String,
    /// When it was sent.
    pub created_at: Timestamp,
    /// When its sender last edited it.
    pub edited_at: Option<Timestamp>,
    /// When it was deleted, if it was.
    pub deleted_at: Option<Timestamp>,
}

/// A direct-message channel with unread messages.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct UnreadDirect {
    /// The channel.
    pub channel: String,
    /// The other player.
    pub sender_id: Uuid,
    /// Messages from them after the newest one read.
    pub unread: i64,
}

/// A report of a message, with the message as it was sent.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ChatReportEntry {
    /// The report.
    #[sqlx(rename = "report_id")]
    pub id: Uuid,
    /// Who reported it.
    pub reporter_id: Uuid,
    /// Why.
    pub reason: String,
    /// The message's text when it was reported.
    pub reported_body: String,
    /// When.
    pub reported_at: Timestamp,
    /// The message reported, as it is now.
    #[sqlx(flatten)]
    pub message: StoredChatMessage,
}

const COLUMNS: &str = "id, channel, kind, sender_id, sender_name, recipient_id, body, \
     created_at, edited_at, deleted_at";

macro_rules! returning {
    ($sql:literal) => {
        concat!(
            $sql,
            " RETURNING id, channel, kind, sender_id, sender_name, recipient_id, body, \
             created_at, edited_at, deleted_at"
        )
    };
}

const INSERT: &str = returning!(
    "INSERT INTO chat_messages \
     (id, channel, kind, sender_id, sender_name, recipient_id, body, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
);
const EDIT: &str = returning!(
    "UPDATE chat_messages SET body = $2, edited_at = $3 WHERE id = $1 AND deleted_at IS NULL"
);
const DELETE: &str =
    returning!("UPDATE chat_messages SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL");
const HISTORY: &str = "SELECT id, channel, kind, sender_id, sender_name, recipient_id, body, \
     created_at, edited_at, deleted_at FROM chat_messages \
     WHERE channel = $1 AND deleted_at IS NULL AND ($2 IS NULL OR id < $2) \
     ORDER BY id DESC LIMIT $3";
const READ: &str = "INSERT INTO chat_reads (player_id, channel, last_read_id) \
     VALUES ($1, $2, $3) ON CONFLICT (player_id, channel) DO UPDATE SET last_read_id = \
     CASE WHEN excluded.last_read_id > chat_reads.last_read_id \
          THEN excluded.last_read_id ELSE chat_reads.last_read_id END";
const UNREAD: &str = "SELECT m.channel, m.sender_id, COUNT(*) AS unread \
     FROM chat_messages m \
     LEFT JOIN chat_reads r ON r.player_id = $1 AND r.channel = m.channel \
     WHERE m.recipient_id = $1 AND m.deleted_at IS NULL \
       AND (r.last_read_id IS NULL OR m.id > r.last_read_id) \
     GROUP BY m.channel, m.sender_id ORDER BY unread DESC, m.channel";
const REPORT: &str = "INSERT INTO chat_reports \
     (id, message_id, reporter_id, reason, body, created_at) \
     SELECT $1, id, $3, $4, body, $5 FROM chat_messages WHERE id = $2";
/// A chat report in the moderation queue too, about the message's sender, unless the reporter
/// already reported that message there.
const FILE_REPORT: &str = "INSERT INTO reports \
     (id, reporter_id, player_id, message_id, scope, category, text, evidence, created_at, \
      updated_at) \
     SELECT $1, $3, sender_id, id, id, 'chat', $4, body, $5, $5 FROM chat_messages WHERE id = $2 \
     ON CONFLICT DO NOTHING";
const REPORTS: &str = "SELECT r.id AS report_id, r.reporter_id, r.reason, \
     r.body AS reported_body, r.created_at AS reported_at, \
     m.id, m.channel, m.kind, m.sender_id, m.sender_name, m.recipient_id, m.body, \
     m.created_at, m.edited_at, m.deleted_at \
     FROM chat_reports r JOIN chat_messages m ON m.id = r.message_id \
     ORDER BY r.created_at DESC, r.id LIMIT $1";
const PURGE: &str = "DELETE FROM chat_messages WHERE kind = $1 AND created_at < $2";

impl Transaction {
    /// Stores a message, sent now.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "insert_chat_message"))]
    pub async fn insert_chat_message(
        &mut self,
        message: &NewChatMessage,
    ) -> Result<StoredChatMessage, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, StoredChatMessage>(INSERT)
                .bind(message.id)
                .bind(&message.channel)
                .bind(message.kind)
                .bind(message.sender_id)
                .bind(&message.sender_name)
                .bind(message.recipient_id)
                .bind(&message.body)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        })
    }

    /// Replaces a message's text, as edited now; [`StoreError::NotFound`] when it is gone.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "edit_chat_message"))]
    pub async fn edit_chat_message(
        &mut self,
        id: Uuid,
        body: &str,
    ) -> Result<StoredChatMessage, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, StoredChatMessage>(EDIT)
                .bind(id)
                .bind(body)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        })
    }

    /// Marks a message deleted now; [`StoreError::NotFound`] when it is gone already.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "delete_chat_message"))]
    pub async fn delete_chat_message(&mut self, id: Uuid) -> Result<StoredChatMessage, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, StoredChatMessage>(DELETE)
                .bind(id)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        })
    }
}

impl Store {
    /// One message, deleted or not.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "chat_message"))]
    pub async fn chat_message(&self, id: Uuid) -> Result<Option<StoredChatMessage>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM chat_messages WHERE id = $1");
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, StoredChatMessage>(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Up to `limit` messages of `channel` older than `before` (all when `None`), newest
    /// first, without the deleted.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "chat_history"))]
    pub async fn chat_history(
        &self,
        channel: &str,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<StoredChatMessage>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, StoredChatMessage>(HISTORY)
                .bind(channel)
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?)
        })
    }

    /// Records that `player_id` has read `channel` up to `message_id` (a later mark stays).
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "mark_chat_read"))]
    pub async fn mark_chat_read(
        &self,
        player_id: Uuid,
        channel: &str,
        message_id: Uuid,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(READ)
                .bind(player_id)
                .bind(channel)
                .bind(message_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The direct-message channels where `player_id` has messages not yet read, most first.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "unread_direct"))]
    pub async fn unread_direct(&self, player_id: Uuid) -> Result<Vec<UnreadDirect>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, UnreadDirect>(UNREAD)
                .bind(player_id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Stores `reporter_id`'s report of a message, with its text now, and files it in the
    /// moderation queue (category `chat`, about the sender); [`StoreError::Conflict`]
    /// on `chat_reports_once` when they reported it already, [`StoreError::NotFound`] when the
    /// message is gone.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "report_chat_message"))]
    pub async fn report_chat_message(
        &self,
        id: Uuid,
        message_id: Uuid,
        reporter_id: Uuid,
        reason: &str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let stored = on_tx!(tx, conn => {
            let stored = sqlx::query(REPORT)
                .bind(id)
                .bind(message_id)
                .bind(reporter_id)
                .bind(reason)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            sqlx::query(FILE_REPORT)
                .bind(id)
                .bind(message_id)
                .bind(reporter_id)
                .bind(reason)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            stored
        });
        if stored == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    /// The newest `limit` reports, each with the message as it was sent.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "chat_reports"))]
    pub async fn chat_reports(&self, limit: u32) -> Result<Vec<ChatReportEntry>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, ChatReportEntry>(REPORTS)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?)
        })
    }

    /// Deletes the messages of `kind` sent before `before` (and their reports); how many.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "purge_chat"))]
    pub async fn purge_chat(&self, kind: ChatKind, before: Timestamp) -> Result<u64, StoreError> {
        let purged = on_pool!(self, pool => {
            sqlx::query(PURGE)
                .bind(kind)
                .bind(before)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(purged)
    }
}
