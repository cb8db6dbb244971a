//! [`BlockingGameServer`]: the [`GameServer`] with blocking calls, for dedicated servers
//! without tokio.

use std::time::Duration;

use rally_protocol::{
    session::{BackfillAnswer, BackfillRequest, HeartbeatAnswer, ResultReport, VerifyAnswer},
    session_token::{Claims, Refusal},
};
use tokio::runtime::Runtime;
use uuid::Uuid;

use crate::{
    error::Result,
    game_server::{GameServer, Heartbeat},
};

/// A [`GameServer`] whose calls block; heartbeats run on the SDK's `rally-sdk` thread.
///
/// ```no_run
/// # fn serve(match_id: uuid::Uuid, token: &str) -> rally_sdk::Result<()> {
/// use std::time::Duration;
/// use rally_sdk::{BlockingGameServer, GameServer};
///
/// let server = BlockingGameServer::new(
///     GameServer::new("http://127.0.0.1:8080", "the server key")?.with_session_key("the session token key", &[]),
/// )?;
/// let player = server.verify_offline(match_id, token).expect("a valid token");
/// let heartbeat = server.start_heartbeat(match_id, Duration::from_secs(5))?;
/// # let _ = (player, heartbeat); Ok(()) }
/// ```
#[derive(Debug)]
pub struct BlockingGameServer {
    runtime: Option<Runtime>,
    server: GameServer,
}

impl BlockingGameServer {
    /// Wraps `server` with a runtime thread of its own.
    pub fn new(server: GameServer) -> Result<Self> {
        Ok(Self {
            runtime: Some(super::runtime()?),
            server,
        })
    }

    /// The async game server underneath.
    pub fn game_server(&self) -> &GameServer {
        &self.server
    }

    fn runtime(&self) -> &Runtime {
        self.runtime
            .as_ref()
            .expect("BUG: the runtime lives as long as the server")
    }

    /// [`GameServer::verify_offline`]: never blocks.
    pub fn verify_offline(&self, match_id: Uuid, token: &str) -> Result<Claims, Refusal> {
        self.server.verify_offline(match_id, token)
    }

    /// [`GameServer::verify`], blocking.
    pub fn verify(&self, match_id: Uuid, token: &str) -> Result<VerifyAnswer> {
        self.runtime().block_on(self.server.verify(match_id, token))
    }

    /// [`GameServer::heartbeat`], blocking.
    pub fn heartbeat(&self, match_id: Uuid) -> Result<HeartbeatAnswer> {
        self.runtime().block_on(self.server.heartbeat(match_id))
    }

    /// [`GameServer::start_heartbeat`]: blocks for the first heartbeat; the others run on the
    /// SDK's thread.
    pub fn start_heartbeat(&self, match_id: Uuid, every: Duration) -> Result<Heartbeat> {
        self.runtime()
            .block_on(self.server.start_heartbeat(match_id, every))
    }

    /// [`GameServer::request_backfill`], blocking.
    pub fn request_backfill(
        &self,
        match_id: Uuid,
        request: &BackfillRequest,
    ) -> Result<BackfillAnswer> {
        self.runtime()
            .block_on(self.server.request_backfill(match_id, request))
    }

    /// [`GameServer::withdraw_backfill`], blocking.
    pub fn withdraw_backfill(&self, match_id: Uuid) -> Result<()> {
        self.runtime()
            .block_on(self.server.withdraw_backfill(match_id))
    }

    /// [`GameServer::report_result`], blocking through its retries.
    pub fn report_result(&self, match_id: Uuid, report: &ResultReport) -> Result<()> {
        self.runtime()
            .block_on(self.server.report_result(match_id, report))
    }
}

impl Drop for BlockingGameServer {
    /// Stops the SDK's thread; inside another runtime it is left to stop by itself.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            super::stop(runtime, std::future::ready(()));
        }
    }
}
