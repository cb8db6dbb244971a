//! Players' reports of players: `POST /v1/reports` files one into the moderation queue
//! (`operators::reports` works it). A report may name the match it is about (both players
//! played in it) and the chat message (the reported player sent it, in a channel the reporter
//! can read; its text is kept as evidence). One per reporter, target and scope
//! (`already_reported`), at most [`REPORTS_PER_HOUR`] per reporter. The reported player is told
//! nothing: no push, and no route shows them who reported them. Enough reports from enough
//! players ban them for a while, pending review ([`auto_ban`]).

pub mod auto_ban;

use std::time::Duration;

use rally_protocol::moderation::{ReportCategoryName, ReportFiled, ReportRequest};
use rally_state::{Quota, StateError};
use rally_store::{NewReport, ReportCategory, StoreError, new_id};
use uuid::Uuid;

use crate::{
    backends::Backends,
    chat::{self, Chat, ChatError},
    settings::ModerationSettings,
};

/// Reports one player may file in an hour.
pub const REPORTS_PER_HOUR: u32 = 20;
/// The longest report text.
pub const MAX_TEXT_CHARS: usize = 1000;

/// Why a report was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// No such player.
    #[error("no such player")]
    PlayerNotFound,
    /// A player cannot report themself.
    #[error("you cannot report yourself")]
    CannotReportSelf,
    /// No such match.
    #[error("no such match")]
    MatchNotFound,
    /// A field is invalid (`field`: why).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The reporter reported this player for this match or message already.
    #[error("you reported this already")]
    AlreadyReported,
    /// Over [`REPORTS_PER_HOUR`].
    #[error("too many reports")]
    RateLimited {
        /// When one more is allowed.
        retry_after: Duration,
    },
    /// The message named is not one the reporter may report.
    #[error(transparent)]
    Chat(ChatError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The state backend (the rate limiter) failed.
    #[error(transparent)]
    State(#[from] StateError),
}

/// `caller` files `request`.
pub async fn file(
    backends: &Backends,
    chat: &Chat,
    settings: &ModerationSettings,
    caller: Uuid,
    request: ReportRequest,
) -> Result<ReportFiled, ReportError> {
    let text = request.text.trim();
    if text.chars().count() > MAX_TEXT_CHARS || chat::has_control(text) {
        return Err(ReportError::Invalid {
            field: "text",
            reason: format!("up to {MAX_TEXT_CHARS} characters, without control characters"),
        });
    }
    if request.player_id == caller {
        return Err(ReportError::CannotReportSelf);
    }
    let store = &backends.store;
    match store.player(request.player_id).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Err(ReportError::PlayerNotFound),
        Err(error) => return Err(error.into()),
    }
    if let Some(match_id) = request.match_id {
        let players = store.match_participants(match_id).await?;
        if players.is_empty() {
            return Err(ReportError::MatchNotFound);
        }
        let played = |id: Uuid| players.iter().any(|p| p.player_id == id);
        if !played(caller) || !played(request.player_id) {
            return Err(ReportError::Invalid {
                field: "match_id",
                reason: "both players must have played in it".to_owned(),
            });
        }
    }
    let evidence = match request.message_id {
        Some(message_id) => {
            let message = chat::reportable(chat, caller, message_id)
                .await
                .map_err(ReportError::Chat)?;
            if message.sender_id != request.player_id {
                return Err(ReportError::Invalid {
                    field: "message_id",
                    reason: "the reported player did not send it".to_owned(),
                });
            }
            Some(message.body)
        }
        None => None,
    };
    let quota = Quota::new(REPORTS_PER_HOUR, Duration::from_secs(3600))?;
    let decision = backends
        .state
        .rate_limit(&format!("limit:report:{caller}"), quota)
        .await?;
    if !decision.allowed {
        return Err(ReportError::RateLimited {
            retry_after: decision.retry_after,
        });
    }
    let new = NewReport {
        id: new_id(),
        reporter_id: caller,
        player_id: request.player_id,
        match_id: request.match_id,
        message_id: request.message_id,
        category: stored_category(request.category),
        text: text.to_owned(),
        evidence,
    };
    let mut tx = store.begin().await?;
    let filed = match tx.file_report(&new).await {
        Ok(filed) => filed,
        Err(StoreError::Conflict { constraint }) if constraint == "reports_once" => {
            return Err(ReportError::AlreadyReported);
        }
        // The reported player was deleted meanwhile.
        Err(StoreError::Conflict { .. }) => return Err(ReportError::PlayerNotFound),
        Err(error) => return Err(error.into()),
    };
    tx.commit().await?;
    metrics::counter!("rally_reports_total", "category" => filed.category.as_str()).increment(1);
    // The report stands whatever happens next; a failed check is tried again by the next.
    if let Err(error) = auto_ban::consider(store, settings, request.player_id).await {
        tracing::warn!(error = %error, player.id = %request.player_id, "cannot weigh the reports about a player");
    }
    Ok(ReportFiled {
        id: filed.id,
        filed_at: filed.created_at.to_offset_date_time(),
    })
}

/// The store's category of a wire category.
pub fn stored_category(category: ReportCategoryName) -> ReportCategory {
    match category {
        ReportCategoryName::Cheating => ReportCategory::Cheating,
        ReportCategoryName::Griefing => ReportCategory::Griefing,
        ReportCategoryName::Abuse => ReportCategory::Abuse,
        ReportCategoryName::Smurfing => ReportCategory::Smurfing,
        ReportCategoryName::WinTrading => ReportCategory::WinTrading,
        ReportCategoryName::Chat => ReportCategory::Chat,
        ReportCategoryName::Other => ReportCategory::Other,
    }
}

/// The wire category of a stored category.
pub fn wire_category(category: ReportCategory) -> ReportCategoryName {
    match category {
        ReportCategory::Cheating => ReportCategoryName::Cheating,
        ReportCategory::Griefing => ReportCategoryName::Griefing,
        ReportCategory::Abuse => ReportCategoryName::Abuse,
        ReportCategory::Smurfing => ReportCategoryName::Smurfing,
        ReportCategory::WinTrading => ReportCategoryName::WinTrading,
        ReportCategory::Chat => ReportCategoryName::Chat,
        ReportCategory::Other => ReportCategoryName::Other,
    }
}
