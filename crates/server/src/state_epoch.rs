//! The state backend's epoch: how a node notices that Redis lost its data (restarted without
//! persistence, flushed, failed over to an empty replica), so that every role rebuilds from the
//! store what it keeps there.
//!
//! The epoch is a random value under one key. The first node to find the key missing writes a
//! new one (set-if-absent, so nodes that notice together agree on one); a node whose known
//! epoch differs from the stored one, or finds none, counts a new generation. Roles subscribe
//! to generations and rebuild on each:
//! - the sessions role re-arms the heartbeat deadline of every running session (and never ends
//!   a session for a missing deadline unless the epoch held across the whole check),
//! - the ratings role rebuilds the active season's leaderboard sets,
//! - the gateway re-announces the presence of every player connected to the node.
//!
//! Leases need nothing: a matchmaker whose lease vanished takes the queue again, and the store's
//! queue fences keep a stale writer out as always. Rate limits and caches start afresh.
//!
//! In-process state starts empty with every process, so the first check of a node on the
//! embedded backend is a new generation too: a restarted embedded node re-arms its sessions
//! instead of ending them.

use std::{sync::Mutex, time::Duration};

use rally_state::{State, StateError};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Where the epoch lives in the state backend.
const KEY: &str = "state-epoch";
/// The epoch key never expires in practice; a TTL is required by the state API.
const TTL: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// How often every node checks the epoch.
pub const CHECK_EVERY: Duration = Duration::from_secs(1);

/// A node's view of the state backend's epoch.
#[derive(Debug)]
pub struct StateEpoch {
    state: State,
    known: Mutex<Option<Vec<u8>>>,
    generation: watch::Sender<u64>,
}

impl StateEpoch {
    /// A view that has not checked yet: its first check starts generation 1.
    pub fn new(state: State) -> Self {
        Self {
            state,
            known: Mutex::new(None),
            generation: watch::Sender::new(0),
        }
    }

    /// Generations of the state backend; each change means "rebuild what you keep there".
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.generation.subscribe()
    }

    /// The current generation: 0 before the first check.
    pub fn generation(&self) -> u64 {
        *self.generation.borrow()
    }

    /// Checks that the backend still holds the epoch this node knows: true when it does. When
    /// it holds none or another, adopts the stored one (writing a new one when there is none),
    /// starts a new generation and answers false.
    pub async fn confirm(&self) -> Result<bool, StateError> {
        let stored = self.state.get(KEY).await?;
        if stored.is_some() && stored == *self.known() {
            return Ok(true);
        }
        let fresh = uuid::Uuid::new_v4().simple().to_string();
        self.state.set_if_absent(KEY, fresh.as_bytes(), TTL).await?;
        let adopted = self
            .state
            .get(KEY)
            .await?
            .unwrap_or_else(|| fresh.into_bytes());
        let first = {
            let mut known = self.known();
            if known.as_ref() == Some(&adopted) {
                // Another task of this node adopted it meanwhile.
                return Ok(false);
            }
            let first = known.is_none();
            *known = Some(adopted);
            first
        };
        if !first {
            metrics::counter!("rally_state_resets_total").increment(1);
            tracing::warn!(
                "the state backend lost its data; rebuilding deadlines, ranks and presence from the store"
            );
        }
        self.generation.send_modify(|generation| *generation += 1);
        Ok(false)
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Option<Vec<u8>>> {
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Checks the epoch every [`CHECK_EVERY`] until `stop` is cancelled.
pub async fn watch(epoch: std::sync::Arc<StateEpoch>, stop: CancellationToken) {
    loop {
        if let Err(error) = epoch.confirm().await {
            tracing::debug!(error = %error, "cannot check the state backend's epoch");
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(CHECK_EVERY) => {}
        }
        if stop.is_cancelled() {
            return;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn losing_the_state_starts_a_new_generation_once() {
        let state = State::memory();
        let epoch = StateEpoch::new(state.clone());
        let mut generations = epoch.subscribe();
        assert!(
            !epoch.confirm().await.unwrap(),
            "the first check starts one"
        );
        assert!(generations.has_changed().unwrap());
        generations.mark_unchanged();
        assert!(epoch.confirm().await.unwrap());
        assert!(!generations.has_changed().unwrap());

        // What a restarted Redis looks like: the key is gone.
        state.delete(KEY).await.unwrap();
        assert!(!epoch.confirm().await.unwrap());
        assert_eq!(*generations.borrow_and_update(), 2);
        assert!(epoch.confirm().await.unwrap());

        // Another node got there first and wrote its own: adopted, one generation.
        state.delete(KEY).await.unwrap();
        state.set_if_absent(KEY, b"other", TTL).await.unwrap();
        assert!(!epoch.confirm().await.unwrap());
        assert!(epoch.confirm().await.unwrap());
        assert_eq!(*generations.borrow_and_update(), 3);
    }

    #[tokio::test]
    async fn two_nodes_that_notice_together_agree_on_one_epoch() {
        let state = State::memory();
        let (one, two) = (
            StateEpoch::new(state.clone()),
            StateEpoch::new(state.clone()),
        );
        one.confirm().await.unwrap();
        two.confirm().await.unwrap();
        state.delete(KEY).await.unwrap();
        one.confirm().await.unwrap();
        two.confirm().await.unwrap();
        assert!(one.confirm().await.unwrap() && two.confirm().await.unwrap());
        assert_eq!(*one.known(), *two.known());
    }
}
