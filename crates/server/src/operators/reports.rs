//! The moderation queue: players' reports as operators page, read, assign, note and close
//! them. Assigning puts a report in review; closing it (`actioned` or `dismissed`, with a
//! resolution) is final. Every change writes its audit line in its own transaction.

use rally_protocol::{
    admin::OperatorRoleName,
    moderation::{
        ReportDetail, ReportNoteView, ReportOutcome, ReportPage, ReportQuery, ReportStateName,
        ReportView, ResolveRequest,
    },
};
use rally_store::{Report, ReportFilter, ReportNote, ReportState, StoreError};
use uuid::Uuid;

use super::{Acting, OperatorError, Operators, checked_reason, role_name};
use crate::reports::wire_category;

/// The most reports one page holds.
pub const PAGE_MAX: u32 = 200;
/// The longest note.
const NOTE_MAX_CHARS: usize = 2000;

/// A page of the queue, newest first.
pub async fn page(
    operators: &Operators,
    query: &ReportQuery,
    limit: u32,
) -> Result<ReportPage, OperatorError> {
    let limit = limit.clamp(1, PAGE_MAX);
    let filter = ReportFilter {
        state: query.state.map(stored_state),
        player_id: query.player_id,
        reporter_id: query.reporter_id,
    };
    let reports = operators
        .store
        .reports(filter, query.before, i64::from(limit))
        .await?;
    let next_before = match reports.last() {
        Some(last) if reports.len() == limit as usize => Some(last.id),
        _ => None,
    };
    Ok(ReportPage {
        reports: reports.iter().map(view).collect(),
        next_before,
    })
}

/// The report `id` with its notes.
pub async fn detail(operators: &Operators, id: Uuid) -> Result<ReportDetail, OperatorError> {
    let report = found(operators, id).await?;
    let notes = operators.store.report_notes(id).await?;
    Ok(ReportDetail {
        report: view(&report),
        notes: notes.iter().map(note_view).collect(),
    })
}

/// Puts `operator_id` (the caller when `None`; a moderator or an admin) on the report `id`.
pub async fn assign(
    operators: &Operators,
    acting: &Acting,
    id: Uuid,
    operator_id: Option<Uuid>,
) -> Result<ReportView, OperatorError> {
    let assignee = match operator_id {
        None => acting.operator.clone(),
        Some(other) => match operators.store.operator(other).await {
            Ok(found)
                if found.disabled_at.is_none()
                    && role_name(found.role) >= OperatorRoleName::Moderator =>
            {
                found
            }
            Ok(_) | Err(StoreError::NotFound) => {
                return Err(OperatorError::Invalid {
                    field: "operator_id",
                    reason: "no moderator or admin of that id".to_owned(),
                });
            }
            Err(error) => return Err(error.into()),
        },
    };
    found(operators, id).await?;
    let mut tx = operators.store.begin().await?;
    let assigned = tx
        .assign_report(id, assignee.id)
        .await?
        .ok_or(OperatorError::ReportClosed)?;
    let line = acting.actor().did(
        "report.assign",
        Some(id.to_string()),
        None,
        serde_json::json!({"assignee": assignee.name}),
    );
    tx.audit(&line).await?;
    tx.commit().await?;
    Ok(view(&assigned))
}

/// Adds the caller's note `body` to the report `id`.
pub async fn note(
    operators: &Operators,
    acting: &Acting,
    id: Uuid,
    body: &str,
) -> Result<ReportNoteView, OperatorError> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > NOTE_MAX_CHARS {
        return Err(OperatorError::Invalid {
            field: "body",
            reason: format!("1 to {NOTE_MAX_CHARS} characters"),
        });
    }
    found(operators, id).await?;
    let actor = acting.actor();
    let mut tx = operators.store.begin().await?;
    let note = tx
        .note_report(id, acting.operator.id, &actor.name, body)
        .await?;
    let line = actor.did(
        "report.note",
        Some(id.to_string()),
        None,
        serde_json::json!({"note_id": note.id}),
    );
    tx.audit(&line).await?;
    tx.commit().await?;
    Ok(note_view(&note))
}

/// Closes the report `id` as `request` says, by the caller (`report_closed` once closed).
pub async fn resolve(
    operators: &Operators,
    acting: &Acting,
    id: Uuid,
    request: &ResolveRequest,
) -> Result<ReportView, OperatorError> {
    let resolution = checked_reason("resolution", &request.resolution)?;
    found(operators, id).await?;
    let state = match request.outcome {
        ReportOutcome::Actioned => ReportState::Actioned,
        ReportOutcome::Dismissed => ReportState::Dismissed,
    };
    let mut tx = operators.store.begin().await?;
    let closed = tx
        .resolve_report(id, state, resolution, acting.operator.id)
        .await?
        .ok_or(OperatorError::ReportClosed)?;
    let line = acting.actor().did(
        "report.resolve",
        Some(id.to_string()),
        Some(resolution.to_owned()),
        serde_json::json!({"outcome": state.as_str(), "player_id": closed.player_id}),
    );
    tx.audit(&line).await?;
    tx.commit().await?;
    metrics::counter!("rally_reports_resolved_total", "outcome" => state.as_str()).increment(1);
    Ok(view(&closed))
}

/// The report `id`, or `report_not_found`.
async fn found(operators: &Operators, id: Uuid) -> Result<Report, OperatorError> {
    operators
        .store
        .report(id)
        .await?
        .ok_or(OperatorError::ReportNotFound)
}

/// `report` on the wire.
pub fn view(report: &Report) -> ReportView {
    ReportView {
        id: report.id,
        reporter_id: report.reporter_id,
        player_id: report.player_id,
        match_id: report.match_id,
        message_id: report.message_id,
        category: wire_category(report.category),
        text: report.text.clone(),
        evidence: report.evidence.clone(),
        state: wire_state(report.state),
        assignee_id: report.assignee_id,
        resolution: report.resolution.clone(),
        created_at: report.created_at.to_offset_date_time(),
        updated_at: report.updated_at.to_offset_date_time(),
    }
}

/// `note` on the wire.
fn note_view(note: &ReportNote) -> ReportNoteView {
    ReportNoteView {
        id: note.id,
        author: note.author.clone(),
        body: note.body.clone(),
        at: note.at.to_offset_date_time(),
    }
}

/// The store's state of a wire state.
fn stored_state(state: ReportStateName) -> ReportState {
    match state {
        ReportStateName::Open => ReportState::Open,
        ReportStateName::InReview => ReportState::InReview,
        ReportStateName::Actioned => ReportState::Actioned,
        ReportStateName::Dismissed => ReportState::Dismissed,
    }
}

/// The wire state of a stored state.
fn wire_state(state: ReportState) -> ReportStateName {
    match state {
        ReportState::Open => ReportStateName::Open,
        ReportState::InReview => ReportStateName::InReview,
        ReportState::Actioned => ReportStateName::Actioned,
        ReportState::Dismissed => ReportStateName::Dismissed,
    }
}
