//! The backends as Prometheus sees them: every node checks its store, state and events backends
//! on a cadence of its own, whether or not anyone asks `/readyz`, so an alert can page on a
//! backend down (`rally_backend_up == 0`) and a dashboard can show how long each takes to answer.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::backends::{BackendCheck, Backends};

/// How often every node checks its backends.
pub const CHECK_EVERY: Duration = Duration::from_secs(5);
/// How long a backend has to answer a check.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Checks the backends every [`CHECK_EVERY`] until `stop` is cancelled.
pub async fn watch(backends: Backends, stop: CancellationToken) {
    loop {
        for check in backends.checks(CHECK_TIMEOUT).await {
            record(&check);
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(CHECK_EVERY) => {}
        }
    }
}

/// Records one check: `rally_backend_up` and, when it answered, how long it took.
pub fn record(check: &BackendCheck) {
    let up = match &check.answer {
        Ok(latency) => {
            metrics::histogram!("rally_backend_check_duration_seconds", "backend" => check.role, "name" => check.name)
                .record(latency.as_secs_f64());
            1.0
        }
        Err(_) => 0.0,
    };
    metrics::gauge!("rally_backend_up", "backend" => check.role, "name" => check.name).set(up);
}
