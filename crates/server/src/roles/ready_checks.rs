//! The ready-check sweeper (every `api` node): every second on the node's clock, expires the
//! ready checks whose deadline has passed and announces them, so members are told at the
//! deadline rather than at the next read. Its step is [`ready::expire_overdue`].

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use rally_clock::Clock;

use crate::{
    bus::Cause,
    parties::{Parties, ready},
};

/// How often the sweeper looks.
const PERIOD: Duration = Duration::from_secs(1);
/// How many overdue checks one pass settles at most.
const BATCH: i64 = 100;

/// Sweeps `parties` every second on `clock` until `stop` is cancelled.
pub async fn run(parties: Parties, clock: Clock, stop: CancellationToken) {
    loop {
        // Due a period after this pass starts: a clock advanced during the pass wakes it at once.
        let next = clock.elapsed() + PERIOD;
        if let Err(error) = Cause::fresh()
            .scope(ready::expire_overdue(&parties, BATCH))
            .await
        {
            tracing::warn!(error = %error, "ready-check sweep failed; retrying");
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = clock.sleep_until(next) => {}
        }
        if stop.is_cancelled() {
            return;
        }
    }
}
