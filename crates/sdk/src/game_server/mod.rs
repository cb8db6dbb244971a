//! [`GameServer`]: Rally for the game's dedicated servers. Check the session token each player
//! presents, keep the session alive with heartbeats, ask for backfill, and report the result.
//!
//! ```no_run
//! # async fn serve(match_id: uuid::Uuid, token: &str) -> rally_sdk::Result<()> {
//! use std::time::Duration;
//! use rally_sdk::{GameServer, protocol::session::{Outcome, ResultLine, ResultReport}};
//!
//! let server = GameServer::new("http://127.0.0.1:8080", "the server key")?
//!     .with_session_key("the session token key", &[]);
//! let player = server.verify_offline(match_id, token).expect("a valid token");
//! let heartbeat = server.start_heartbeat(match_id, Duration::from_secs(5)).await?;
//! // ... the match is played ...
//! let line = |team, outcome| ResultLine { team: Some(team), player_id: None, outcome, placement: None };
//! let report = ResultReport {
//!     outcomes: vec![line(0, Outcome::Win), line(1, Outcome::Loss)],
//!     duration_s: 312.0,
//!     stats: None,
//! };
//! server.report_result(match_id, &report).await?;
//! heartbeat.stop();
//! # let _ = player; Ok(()) }
//! ```

mod heartbeat;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use heartbeat::Heartbeat;
use rally_protocol::{
    session::{
        BackfillAnswer, BackfillRequest, HeartbeatAnswer, ResultReport, VerifyAnswer, VerifyRequest,
    },
    session_token::{Claims, Refusal, SessionTokens},
};
use uuid::Uuid;

use crate::{
    backoff::Backoff,
    error::Result,
    http::{Call, Http},
};

/// A game server's connection to Rally, authenticated with the server key.
#[derive(Clone)]
pub struct GameServer {
    http: Http,
    server_key: String,
    tokens: Option<SessionTokens>,
    result_attempts: u32,
}

impl std::fmt::Debug for GameServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GameServer")
            .field("base_url", &self.http.base())
            .field("offline_verification", &self.tokens.is_some())
            .finish_non_exhaustive()
    }
}

impl GameServer {
    /// A game server of the Rally at `base_url`, holding Rally's `server_key`.
    pub fn new(base_url: &str, server_key: &str) -> Result<Self> {
        Ok(Self {
            http: Http::new(base_url, Duration::from_secs(10))?,
            server_key: server_key.to_owned(),
            tokens: None,
            result_attempts: 6,
        })
    }

    /// Verifies tokens offline with Rally's `session_token_key` (and former keys still
    /// accepted while they rotate), without a round trip per player.
    #[must_use]
    pub fn with_session_key(mut self, key: &str, previous: &[&str]) -> Self {
        self.tokens = Some(SessionTokens::new(key, previous));
        self
    }

    /// How many times [`GameServer::report_result`] tries before giving up (6 by default).
    #[must_use]
    pub fn with_result_attempts(mut self, attempts: u32) -> Self {
        self.result_attempts = attempts.max(1);
        self
    }

    /// Checks a player's session token for `match_id` with the session key, offline: the
    /// player, the endpoint and the expiry the token carries, or why it is refused. Without
    /// [`GameServer::with_session_key`] every token is refused as `unknown_key`.
    pub fn verify_offline(&self, match_id: Uuid, token: &str) -> Result<Claims, Refusal> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        self.tokens
            .as_ref()
            .ok_or(Refusal::UnknownKey)?
            .verify(token, match_id, now)
    }

    /// Checks a player's session token with Rally, online.
    pub async fn verify(&self, match_id: Uuid, token: &str) -> Result<VerifyAnswer> {
        let request = VerifyRequest {
            token: token.to_owned(),
        };
        self.call(Call::post(format!("/v1/server/sessions/{match_id}/verify")).json(&request)?)
            .await
    }

    /// One heartbeat: the first moves the session to `active`; each renews its deadline
    /// (`session_not_running` once it ended). See [`GameServer::start_heartbeat`].
    pub async fn heartbeat(&self, match_id: Uuid) -> Result<HeartbeatAnswer> {
        self.call(Call::post(format!(
            "/v1/server/sessions/{match_id}/heartbeat"
        )))
        .await
    }

    /// Sends a first heartbeat, which makes the session `active` (a result is accepted only
    /// then), and goes on every `every` on a background task of the current tokio runtime
    /// until the session ends or the handle is stopped or dropped. Pick `every` well inside
    /// Rally's `session_heartbeat_timeout_s` (a third of it, say).
    pub async fn start_heartbeat(&self, match_id: Uuid, every: Duration) -> Result<Heartbeat> {
        let first = self.heartbeat(match_id).await?;
        Ok(Heartbeat::start(self.clone(), match_id, every, first.state))
    }

    /// Asks the matchmaker to fill `slots` places of a team from the queue; the players found
    /// join the match and get `session.ready` (`backfill_open`, `invalid`).
    pub async fn request_backfill(
        &self,
        match_id: Uuid,
        request: &BackfillRequest,
    ) -> Result<BackfillAnswer> {
        self.call(Call::post(format!("/v1/server/sessions/{match_id}/backfill")).json(request)?)
            .await
    }

    /// Withdraws the match's open backfill request (`backfill_not_found`).
    pub async fn withdraw_backfill(&self, match_id: Uuid) -> Result<()> {
        self.call(Call::delete(format!(
            "/v1/server/sessions/{match_id}/backfill"
        )))
        .await
    }

    /// Reports the match's result, retrying with backoff while Rally is unreachable, busy or
    /// rate limiting. Repeating is safe: Rally stores a result once and answers the same report
    /// again with success; a different report is refused with `result_conflict`.
    pub async fn report_result(&self, match_id: Uuid, report: &ResultReport) -> Result<()> {
        let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
        let mut attempt = 1;
        loop {
            let call = Call::post(format!("/v1/server/sessions/{match_id}/result")).json(report)?;
            match self.call::<serde_json::Value>(call).await {
                Ok(_) => return Ok(()),
                Err(error) if error.is_transient() && attempt < self.result_attempts => {
                    let delay = error.retry_after().unwrap_or_else(|| backoff.next_delay());
                    tracing::warn!(
                        match.id = %match_id,
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        error = %error,
                        "result not stored yet; retrying"
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn call<T: serde::de::DeserializeOwned>(&self, call: Call) -> Result<T> {
        self.http.json(call.bearer(&self.server_key)).await
    }
}
