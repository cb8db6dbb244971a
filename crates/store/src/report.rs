//! Reports: players' reports of players, the moderation queue. A report goes from `open`
//! through `in_review` (assigned to an operator) to `actioned` or `dismissed`, with the
//! resolution; once closed it does not change. One report per reporter, target and scope
//! (`reports_once`: the message reported, else the match, else the target themself). The
//! moderators' notes on a report are kept beside it.

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;

text_enum! {
    /// What a report is about.
    ReportCategory {
        /// Cheats, exploits, hacks.
        Cheating = "cheating",
        /// Playing to spoil the game for their own team.
        Griefing = "griefing",
        /// Abuse of other players.
        Abuse = "abuse",
        /// An experienced player on a new account.
        Smurfing = "smurfing",
        /// Trading wins with another player.
        WinTrading = "win_trading",
        /// A chat message, reported from chat.
        Chat = "chat",
        /// Anything else.
        Other = "other",
    }
}

text_enum! {
    /// Where a report is in the moderation queue.
    ReportState {
        /// Filed, nobody on it yet.
        Open = "open",
        /// Assigned to an operator.
        InReview = "in_review",
        /// Closed with a sanction or another action.
        Actioned = "actioned",
        /// Closed with nothing to do.
        Dismissed = "dismissed",
    }
}

impl ReportState {
    /// Whether the report is closed.
    pub fn is_closed(self) -> bool {
        matches!(self, ReportState::Actioned | ReportState::Dismissed)
    }
}

/// A report to file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReport {
    /// Its id.
    pub id: Uuid,
    /// Who reports.
    pub reporter_id: Uuid,
    /// Whom they report.
    pub player_id: Uuid,
    /// The match it is about, if one.
    pub match_id: Option<Uuid>,
    /// The chat message it is about, if one.
    pub message_id: Option<Uuid>,
    /// What it is about.
    pub category: ReportCategory,
    /// The reporter's words (up to 1,000 characters).
    pub text: String,
    /// The message's text as it was when reported, if a message.
    pub evidence: Option<String>,
}

impl NewReport {
    /// What makes it unique per reporter and target: the message, else the match, else the
    /// target themself.
    pub fn scope(&self) -> Uuid {
        self.message_id.or(self.match_id).unwrap_or(self.player_id)
    }
}

/// A report as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Report {
    /// Its id (UUIDv7: later reports sort after earlier ones).
    pub id: Uuid,
    /// Who reported.
    pub reporter_id: Uuid,
    /// Whom they reported.
    pub player_id: Uuid,
    /// The match it is about, if one.
    pub match_id: Option<Uuid>,
    /// The chat message it is about, if one.
    pub message_id: Option<Uuid>,
    /// What it is about.
    pub category: ReportCategory,
    /// The reporter's words.
    pub text: String,
    /// The message's text when reported.
    pub evidence: Option<String>,
    /// Where it is in the queue.
    pub state: ReportState,
    /// The operator on it, once assigned.
    pub assignee_id: Option<Uuid>,
    /// What was decided, once closed.
    pub resolution: Option<String>,
    /// When it was filed.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// A moderator's note on a report.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportNote {
    /// Its id.
    pub id: Uuid,
    /// The report.
    pub report_id: Uuid,
    /// The operator who wrote it.
    pub operator_id: Option<Uuid>,
    /// Their name.
    pub author: String,
    /// The note.
    pub body: String,
    /// When.
    pub at: Timestamp,
}

/// How many reports a player made and received.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportCounts {
    /// Reports they filed.
    pub made: i64,
    /// Reports about them.
    pub received: i64,
}

/// A player who reported someone, with the fate of every report they ever filed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ReporterRecord {
    /// The reporter.
    pub reporter_id: Uuid,
    /// Their reports closed as actioned.
    pub actioned: i64,
    /// Their reports closed as dismissed.
    pub dismissed: i64,
}

/// A report's columns (a literal, for `concat!`).
macro_rules! columns {
    () => {
        "id, reporter_id, player_id, match_id, message_id, category, text, evidence, state, \
         assignee_id, resolution, created_at, updated_at"
    };
}

const INSERT: &str = concat!(
    "INSERT INTO reports (id, reporter_id, player_id, match_id, message_id, scope, category, \
     text, evidence, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING ",
    columns!()
);
const ASSIGN: &str = concat!(
    "UPDATE reports SET assignee_id = $2, state = 'in_review', updated_at = $3 \
     WHERE id = $1 AND state IN ('open', 'in_review') RETURNING ",
    columns!()
);
const RESOLVE: &str = concat!(
    "UPDATE reports SET state = $2, resolution = $3, updated_at = $4, \
     assignee_id = COALESCE(assignee_id, $5) \
     WHERE id = $1 AND state IN ('open', 'in_review') RETURNING ",
    columns!()
);
const NOTE: &str = "INSERT INTO report_notes (id, report_id, operator_id, author, body, at) \
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, report_id, operator_id, author, body, at";
const SELECT_ONE: &str = concat!("SELECT ", columns!(), " FROM reports WHERE id = $1");
const PAGE: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM reports WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR player_id = $2) \
     AND ($3 IS NULL OR reporter_id = $3) AND id < $4 ORDER BY id DESC LIMIT $5"
);
const NOTES: &str = "SELECT id, report_id, operator_id, author, body, at FROM report_notes \
     WHERE report_id = $1 ORDER BY id";
const REPORTERS: &str = "SELECT w.reporter_id, \
     COALESCE(SUM(CASE WHEN h.state = 'actioned' THEN 1 ELSE 0 END), 0) AS actioned, \
     COALESCE(SUM(CASE WHEN h.state = 'dismissed' THEN 1 ELSE 0 END), 0) AS dismissed \
     FROM (SELECT DISTINCT reporter_id FROM reports WHERE player_id = $1 AND created_at >= $2) w \
     JOIN reports h ON h.reporter_id = w.reporter_id \
     GROUP BY w.reporter_id";
const COUNTS: &str = "SELECT \
     (SELECT COUNT(*) FROM reports WHERE reporter_id = $1) AS made, \
     (SELECT COUNT(*) FROM reports WHERE player_id = $1) AS received";

/// Which reports a page holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportFilter {
    /// Only those in this state.
    pub state: Option<ReportState>,
    /// Only those about this player.
    pub player_id: Option<Uuid>,
    /// Only those this player filed.
    pub reporter_id: Option<Uuid>,
}

impl Transaction {
    /// Files `report`: [`StoreError::Conflict`] on `reports_once` when the reporter reported
    /// that target and scope already.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "file_report"))]
    pub async fn file_report(&mut self, report: &NewReport) -> Result<Report, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Report>(INSERT)
                .bind(report.id)
                .bind(report.reporter_id)
                .bind(report.player_id)
                .bind(report.match_id)
                .bind(report.message_id)
                .bind(report.scope())
                .bind(report.category)
                .bind(&report.text)
                .bind(&report.evidence)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        })
    }

    /// Assigns the report `id` to `operator_id`, putting it in review; `None` when there is
    /// no such report or it is closed.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "assign_report"))]
    pub async fn assign_report(
        &mut self,
        id: Uuid,
        operator_id: Uuid,
    ) -> Result<Option<Report>, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Report>(ASSIGN)
                .bind(id)
                .bind(operator_id)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await?)
        })
    }

    /// Closes the report `id` as `state` with `resolution`, by `operator_id` (its assignee if
    /// it had none); `None` when there is no such report or it is closed already.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "resolve_report"))]
    pub async fn resolve_report(
        &mut self,
        id: Uuid,
        state: ReportState,
        resolution: &str,
        operator_id: Uuid,
    ) -> Result<Option<Report>, StoreError> {
        debug_assert!(
            state.is_closed(),
            "a report is resolved into a closed state"
        );
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Report>(RESOLVE)
                .bind(id)
                .bind(state)
                .bind(resolution)
                .bind(now)
                .bind(operator_id)
                .fetch_optional(&mut *conn)
                .await?)
        })
    }

    /// Adds `body` as a note by `operator_id` (`author`) on the report `report_id`.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "note_report"))]
    pub async fn note_report(
        &mut self,
        report_id: Uuid,
        operator_id: Uuid,
        author: &str,
        body: &str,
    ) -> Result<ReportNote, StoreError> {
        let (id, now) = (Uuid::now_v7(), self.now());
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, ReportNote>(NOTE)
                .bind(id)
                .bind(report_id)
                .bind(operator_id)
                .bind(author)
                .bind(body)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        })
    }
}

impl Store {
    /// The report `id`.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "report"))]
    pub async fn report(&self, id: Uuid) -> Result<Option<Report>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Report>(SELECT_ONE).bind(id).fetch_optional(pool).await?)
        })
    }

    /// Up to `limit` reports `filter` admits, newest first, older than `before` when given.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "reports"))]
    pub async fn reports(
        &self,
        filter: ReportFilter,
        before: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<Report>, StoreError> {
        let before = before.unwrap_or(Uuid::max());
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Report>(PAGE)
                .bind(filter.state)
                .bind(filter.player_id)
                .bind(filter.reporter_id)
                .bind(before)
                .bind(limit)
                .fetch_all(pool)
                .await?)
        })
    }

    /// The notes on the report `report_id`, oldest first.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "report_notes"))]
    pub async fn report_notes(&self, report_id: Uuid) -> Result<Vec<ReportNote>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, ReportNote>(NOTES).bind(report_id).fetch_all(pool).await?)
        })
    }

    /// Each distinct player who reported `player_id` since `since`, with how their reports
    /// (all of them, about anyone) were closed.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "reporters_since"))]
    pub async fn reporters_since(
        &self,
        player_id: Uuid,
        since: Timestamp,
    ) -> Result<Vec<ReporterRecord>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, ReporterRecord>(REPORTERS)
                .bind(player_id)
                .bind(since)
                .fetch_all(pool)
                .await?)
        })
    }

    /// How many reports `player_id` made and received.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "report_counts"))]
    pub async fn report_counts(&self, player_id: Uuid) -> Result<ReportCounts, StoreError> {
        let (made, received): (i64, i64) = on_pool!(self, pool => {
            sqlx::query_as(COUNTS).bind(player_id).fetch_one(pool).await?
        });
        Ok(ReportCounts { made, received })
    }
}
