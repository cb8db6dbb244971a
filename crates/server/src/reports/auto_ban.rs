//! The automatic ban from reports: when the distinct players who reported someone within
//! `auto_ban_window_s` weigh `auto_ban_reports` or more, that player is banned for
//! `auto_ban_duration_s` by `auto:reports`, pending a moderator's review of the reports (which
//! stay open in the queue). A reporter weighs `2 (a + 1) / (a + d + 2)` for `a` of their reports
//! actioned and `d` dismissed: 1 with no record, towards 2 when they are right, towards 0 when
//! they are not. It is an ordinary ban: audited (actor `auto:reports`), liftable and
//! appealable; it is given at most once a window, so a lifted one is not given again by the
//! same reports.

use rally_store::{ReporterRecord, SanctionKind, Store};
use uuid::Uuid;

use crate::{
    accounts::{AccountsError, ban},
    operators::Actor,
    settings::ModerationSettings,
};

/// Who gives the automatic ban, as the audit log and the sanction name them.
pub const AUTO_REPORTS: &str = "auto:reports";

/// What one reporter's word weighs, from their record.
pub fn weight(reporter: &ReporterRecord) -> f64 {
    let actioned = reporter.actioned as f64;
    let closed = (reporter.actioned + reporter.dismissed) as f64;
    2.0 * (actioned + 1.0) / (closed + 2.0)
}

/// Bans `player_id` if the reports about them now call for it; whether it did.
pub async fn consider(
    store: &Store,
    settings: &ModerationSettings,
    player_id: Uuid,
) -> Result<bool, AccountsError> {
    if settings.auto_ban_reports == 0 {
        return Ok(false);
    }
    let now = store.now();
    let window = time::Duration::seconds(i64::try_from(settings.auto_ban_window_s).unwrap_or(0));
    let since = now.plus(-window);
    let reporters = store.reporters_since(player_id, since).await?;
    let weighed: f64 = reporters.iter().map(weight).sum();
    if weighed < f64::from(settings.auto_ban_reports) {
        return Ok(false);
    }
    let sanctions = store.sanctions_of(player_id).await?;
    let banned_lately = sanctions.iter().any(|s| {
        s.kind == SanctionKind::Ban
            && (s.holds_at(now)
                || (s.given_by == AUTO_REPORTS
                    && s.created_at.unix_millis() >= since.unix_millis()))
    });
    if banned_lately {
        return Ok(false);
    }
    let reason = format!(
        "reported by {} players within {} s, pending review",
        reporters.len(),
        settings.auto_ban_window_s
    );
    let actor = Actor {
        operator_id: None,
        name: AUTO_REPORTS.to_owned(),
    };
    let duration = std::time::Duration::from_secs(settings.auto_ban_duration_s);
    match ban::ban(store, player_id, Some(duration), &reason, &actor).await {
        Ok(_) => {
            tracing::info!(player.id = %player_id, reporters = reporters.len(), "player banned automatically on reports");
            Ok(true)
        }
        // Deleted or disabled meanwhile: nobody to ban.
        Err(AccountsError::PlayerNotFound) => Ok(false),
        Err(error) => Err(error),
    }
}
