//! A session's heartbeats on a background task.

use std::time::Duration;

use rally_protocol::session::SessionState;
use tokio::sync::watch;
use uuid::Uuid;

use super::GameServer;

/// The heartbeats of one session. Stops when the session ends, on [`Heartbeat::stop`], or when
/// dropped.
#[derive(Debug)]
pub struct Heartbeat {
    state: watch::Receiver<Option<SessionState>>,
    task: tokio::task::JoinHandle<()>,
}

impl Heartbeat {
    pub(super) fn start(
        server: GameServer,
        match_id: Uuid,
        every: Duration,
        first: SessionState,
    ) -> Self {
        let (report, state) = watch::channel(Some(first));
        let task = tokio::spawn(async move {
            let every = every.max(Duration::from_millis(10));
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                ticks.tick().await;
                match server.heartbeat(match_id).await {
                    Ok(answer) => {
                        report.send_replace(Some(answer.state));
                        if answer.state == SessionState::Ended {
                            return;
                        }
                    }
                    Err(error) if error.code() == "session_not_running" => {
                        report.send_replace(Some(SessionState::Ended));
                        return;
                    }
                    // The next beat may get through; Rally ends the session only after its
                    // whole timeout without one.
                    Err(error) => {
                        tracing::warn!(match.id = %match_id, %error, "heartbeat failed");
                    }
                }
            }
        });
        Self { state, task }
    }

    /// The session's state as of the last answered heartbeat.
    pub fn state(&self) -> Option<SessionState> {
        *self.state.borrow()
    }

    /// Whether heartbeats are still being sent.
    pub fn is_running(&self) -> bool {
        !self.task.is_finished()
    }

    /// Stops sending heartbeats. Rally ends a session that stops hearing them as abandoned once
    /// its timeout passes, so stop after reporting the result.
    pub fn stop(self) {
        self.task.abort();
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.task.abort();
    }
}
