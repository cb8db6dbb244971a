//! The ready-check sweeper: every second, expires the ready checks whose deadline has passed
//! and announces them, so members are told at the deadline rather than at the next read. Any
//! number of nodes may sweep at once: each expiry runs under the party's lock and applies once.

use std::time::Duration;

use super::{commit, lifecycle::begin, ready};
use crate::{app::AppState, http::ApiError};
use tokio_util::sync::CancellationToken;

/// How often the sweeper looks.
const PERIOD: Duration = Duration::from_secs(1);
/// How many overdue checks one pass settles at most.
const BATCH: i64 = 100;

/// Sweeps every [`PERIOD`] on the node's clock until `stop` is cancelled; [`sweep`] is its
/// step.
pub async fn run(app: AppState, stop: CancellationToken) {
    loop {
        // Due a period after this pass starts: a clock advanced during the pass wakes it at once.
        let next = app.clock().elapsed() + PERIOD;
        if let Err(error) = sweep(&app).await {
            tracing::warn!(error = %error, "ready-check sweep failed; retrying");
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = app.clock().sleep_until(next) => {}
        }
        if stop.is_cancelled() {
            return;
        }
    }
}

/// Expires and announces every overdue ready check (up to a batch); returns how many.
pub async fn sweep(app: &AppState) -> Result<usize, ApiError> {
    let overdue = app
        .backends()
        .store
        .overdue_ready_checks(app.now(), BATCH)
        .await
        .map_err(ApiError::store)?;
    for &party_id in &overdue {
        let mut tx = begin(app).await?;
        ready::settle(&mut tx, party_id).await?;
        commit(tx).await?;
    }
    Ok(overdue.len())
}
