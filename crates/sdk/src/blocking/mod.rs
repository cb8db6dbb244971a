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

use tokio::runtime::Runtime;

use crate::error::{Error, Result};

/// The SDK's own runtime: one worker thread, `rally-sdk`.
fn runtime() -> Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("rally-sdk")
        .enable_all()
        .build()
        .map_err(|e| Error::Transport(format!("cannot start the SDK's runtime: {e}")))
}
