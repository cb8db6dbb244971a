//! The SDK for callers without an async runtime, such as a game loop in a plain thread, a
//! dedicated server without tokio, or the C ABI: [`BlockingClient`] and
//! [`BlockingGameServer`].
//!
//! Each owns a small tokio runtime (one worker thread, named `rally-sdk`) that runs the
//! gateway connection, the heartbeats and the event callbacks. Each call blocks the calling
//! thread until Rally answers; make calls from a thread that is not itself running a tokio
//! runtime.

mod client;
mod game_server;

pub use client::BlockingClient;
pub use game_server::BlockingGameServer;

use std::{future::Future, time::Duration};

use tokio::runtime::Runtime;

use crate::error::{Error, Result};

/// How long dropping a blocking client may take: closing, then the thread's end, each.
const STOP_TIMEOUT: Duration = Duration::from_secs(1);

/// The SDK's own runtime: one worker thread, `rally-sdk`.
fn runtime() -> Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("rally-sdk")
        .enable_all()
        .build()
        .map_err(|e| Error::Transport(format!("cannot start the SDK's runtime: {e}")))
}

/// Stops an SDK runtime after running `closing` on it, each bounded by [`STOP_TIMEOUT`]. Inside
/// another runtime, where blocking is not allowed, the thread is left to stop by itself.
fn stop(runtime: Runtime, closing: impl Future<Output = ()>) {
    if tokio::runtime::Handle::try_current().is_ok() {
        runtime.shutdown_background();
        return;
    }
    // The timer is made inside the runtime: outside of one, tokio cannot make it.
    runtime.block_on(async {
        let _ = tokio::time::timeout(STOP_TIMEOUT, closing).await;
    });
    runtime.shutdown_timeout(STOP_TIMEOUT);
}
