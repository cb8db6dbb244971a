//! The WebSocket gateway (`GET /v1/ws`): every change a player should see, pushed to their
//! socket on whichever node holds it.
//!
//! How a push travels:
//! 1. A change commits with its event in the store's outbox; the relay publishes it on its
//!    durable stream (`party.updated`, ...).
//! 2. The dispatcher (`roles::dispatch`): one consumer per stream, shared by every `api` node
//!    under the durable name `gateway` (so each event is handled once in the cluster), turns the
//!    event into one push per player concerned, published on the events backend under
//!    `player.<id>` ([`push`]).
//! 3. A node holding a session of that player is subscribed to that subject ([`pump`]); the
//!    [`GatewaySession`] numbers the push, keeps it for a resume, and queues it for the socket
//!    ([`connection`] writes it).
//!
//! Sessions outlive their socket by the resume grace (`ws_resume_grace_s`): a client that
//! reconnects to the same node within it with `?resume=<session_id>&last_seq=<n>` receives
//! every push after `n`, in order. A resume that lands on another node, or after the grace,
//! starts a new session (`hello.resumed == false`) and the client refetches its state.
//! Presence (who is online, on which node) lives in the `state` backend ([`presence`]).

pub mod connection;
pub mod presence;
pub mod pump;
pub mod push;
pub mod request;
pub mod session;

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use rally_clock::Clock;
use rally_events::{Events, EventsError};
use rally_state::State;
use tokio::{
    sync::{mpsc, watch},
    task::AbortHandle,
};
use uuid::Uuid;

pub use session::GatewaySession;
use session::{Attachment, ResumeRefused};

use crate::settings::Settings;

/// The limits and timings every connection of a node follows.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// How often the node pings a socket.
    pub ping_interval: Duration,
    /// How long a socket may stay silent.
    pub idle_timeout: Duration,
    /// How long a session outlives its socket.
    pub resume_grace: Duration,
    /// Pushes a socket may have waiting (and a session keeps for a resume).
    pub outbound_queue: usize,
    /// The largest frame a client may send.
    pub max_message_bytes: usize,
    /// Frames a client may send per second (twice that in a burst).
    pub messages_per_second: u32,
}

impl Limits {
    /// The limits the settings give.
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            ping_interval: settings.ws_ping_interval(),
            idle_timeout: settings.ws_idle_timeout(),
            resume_grace: settings.ws_resume_grace(),
            outbound_queue: settings.gateway.ws_outbound_queue,
            max_message_bytes: settings.gateway.ws_max_message_bytes,
            messages_per_second: settings.gateway.ws_messages_per_second,
        }
    }

    /// How long a presence entry lives unless renewed: past one missed renewal.
    pub fn presence_ttl(&self) -> Duration {
        self.idle_timeout + self.ping_interval
    }
}

/// The gateway of one node: its live sessions. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    node_id: Uuid,
    events: Events,
    state: State,
    /// The node's clock: the resume grace runs on it.
    clock: Clock,
    limits: Limits,
    sessions: Mutex<Sessions>,
    shutdown: watch::Sender<bool>,
    /// Told each player who came online here, and each whose last session on this node ended
    /// (the queue's disconnect policy, friends' presence).
    movements: mpsc::UnboundedSender<Movement>,
}

/// A player arriving at or leaving this node, for the node to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    /// The player opened a socket here and was online nowhere before.
    Arrived(Uuid),
    /// The player's last session on this node ended, past the resume grace.
    Gone(Uuid),
}

#[derive(Debug, Default)]
struct Sessions {
    by_id: HashMap<Uuid, Live>,
    by_player: HashMap<Uuid, HashSet<Uuid>>,
}

#[derive(Debug)]
struct Live {
    session: Arc<GatewaySession>,
    pump: AbortHandle,
}

/// A socket's session, attached.
#[derive(Debug)]
pub struct Opened {
    /// The session.
    pub session: Arc<GatewaySession>,
    /// The socket's side of it.
    pub attachment: Attachment,
    /// Whether an earlier session was resumed.
    pub resumed: bool,
}

impl Gateway {
    /// The gateway of the node `node_id`, and the players who came online on it or whose last
    /// session on it ended (past the resume grace), for the node to act on.
    pub fn new(
        node_id: Uuid,
        events: Events,
        state: State,
        clock: Clock,
        limits: Limits,
    ) -> (Self, mpsc::UnboundedReceiver<Movement>) {
        let (movements, movements_rx) = mpsc::unbounded_channel();
        let gateway = Self {
            inner: Arc::new(Inner {
                node_id,
                events,
                state,
                clock,
                limits,
                sessions: Mutex::default(),
                shutdown: watch::channel(false).0,
                movements,
            }),
        };
        (gateway, movements_rx)
    }

    fn sessions(&self) -> MutexGuard<'_, Sessions> {
        self.inner
            .sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Tells the node that `player_id` came online here, online nowhere before.
    pub fn arrived(&self, player_id: Uuid) {
        let _ = self.inner.movements.send(Movement::Arrived(player_id));
    }

    /// This node's id (what presence records).
    pub fn node_id(&self) -> Uuid {
        self.inner.node_id
    }

    /// The limits of this node's connections.
    pub fn limits(&self) -> Limits {
        self.inner.limits
    }

    /// The shared state backend (presence).
    pub fn state(&self) -> &State {
        &self.inner.state
    }

    /// Completes when the node starts shutting down.
    pub fn shutting_down(&self) -> watch::Receiver<bool> {
        self.inner.shutdown.subscribe()
    }

    /// Tells every connection of this node to close (going away), so clients reconnect
    /// elsewhere.
    pub fn shut_down(&self) {
        self.inner.shutdown.send_replace(true);
    }

    /// How many sessions this node holds.
    pub fn session_count(&self) -> usize {
        self.sessions().by_id.len()
    }

    /// Resumes `resume` when this node holds it for `player_id` and still keeps every push
    /// after `last_seq`; otherwise opens a new session.
    pub async fn open(
        &self,
        player_id: Uuid,
        resume: Option<(Uuid, u64)>,
    ) -> Result<Opened, EventsError> {
        if let Some((session_id, last_seq)) = resume {
            let existing = self
                .sessions()
                .by_id
                .get(&session_id)
                .map(|live| live.session.clone())
                .filter(|session| session.player_id == player_id);
            if let Some(session) = existing {
                match session.attach(Some(last_seq)) {
                    Ok(attachment) => {
                        return Ok(Opened {
                            session,
                            attachment,
                            resumed: true,
                        });
                    }
                    // Too late to resume: the client starts over; the old session, if no other
                    // socket holds it, is of no further use.
                    Err(ResumeRefused::Gap) if !session.attached() => {
                        self.end(session_id, false);
                    }
                    Err(ResumeRefused::Gap) => {}
                }
            }
        }
        let session = Arc::new(GatewaySession::new(
            player_id,
            self.inner.limits.outbound_queue,
        ));
        // Subscribe before anything can be missed: a push published after this returns reaches
        // the session.
        let subscription = self
            .inner
            .events
            .subscribe(&push::subject(player_id))
            .await?;
        let attachment = session
            .attach(None)
            .expect("BUG: a new session attaches without a resume point");
        let pump = tokio::spawn(pump::pump(session.clone(), subscription)).abort_handle();
        let mut sessions = self.sessions();
        sessions
            .by_player
            .entry(player_id)
            .or_default()
            .insert(session.id);
        sessions.by_id.insert(
            session.id,
            Live {
                session: session.clone(),
                pump,
            },
        );
        metrics::gauge!("rally_ws_sessions").set(sessions.by_id.len() as f64);
        Ok(Opened {
            session,
            attachment,
            resumed: false,
        })
    }

    /// Called when the socket of `generation` left `session`: marks the player offline when
    /// none of their sessions here has a socket, and ends the session after the resume grace
    /// unless a socket resumed it.
    pub async fn detached(&self, session: &Arc<GatewaySession>, generation: u64) {
        if !session.detach(generation) {
            return;
        }
        if !self.player_attached(session.player_id)
            && let Err(error) =
                presence::mark_offline(&self.inner.state, session.player_id, self.inner.node_id)
                    .await
        {
            tracing::warn!(error = %error, "cannot clear a player's presence; it lapses by itself");
        }
        let gateway = self.clone();
        let session = session.clone();
        // The grace counts from now, whenever the task first runs.
        let grace = self.inner.clock.sleep(self.inner.limits.resume_grace);
        tokio::spawn(async move {
            grace.await;
            if session.abandoned_since(generation) {
                gateway.end(session.id, true);
            }
        });
    }

    /// Records again the presence of every player with a socket on this node: after the state
    /// backend lost its data, so they show online without waiting for their next ping.
    pub async fn reannounce(&self) {
        let players: Vec<Uuid> = {
            let sessions = self.sessions();
            sessions
                .by_player
                .keys()
                .copied()
                .filter(|player_id| self.attached_in(&sessions, *player_id))
                .collect()
        };
        for player_id in players {
            if let Err(error) = presence::mark_online(
                &self.inner.state,
                player_id,
                self.inner.node_id,
                self.inner.limits.presence_ttl(),
            )
            .await
            {
                tracing::warn!(error = %error, "cannot record a player's presence again");
                return;
            }
        }
    }

    fn attached_in(&self, sessions: &Sessions, player_id: Uuid) -> bool {
        sessions.by_player.get(&player_id).is_some_and(|ids| {
            ids.iter()
                .filter_map(|id| sessions.by_id.get(id))
                .any(|live| live.session.attached())
        })
    }

    fn player_attached(&self, player_id: Uuid) -> bool {
        self.attached_in(&self.sessions(), player_id)
    }

    /// Ends a session: stops its pushes and forgets it. With `gone`, a player left with no
    /// session here is reported to the node (the queue's disconnect policy); not when the
    /// player is reconnecting right now.
    fn end(&self, session_id: Uuid, gone: bool) {
        let mut sessions = self.sessions();
        let Some(live) = sessions.by_id.remove(&session_id) else {
            return;
        };
        live.pump.abort();
        let player_id = live.session.player_id;
        if let Some(ids) = sessions.by_player.get_mut(&player_id) {
            ids.remove(&session_id);
            if ids.is_empty() {
                sessions.by_player.remove(&player_id);
                if gone {
                    let _ = self.inner.movements.send(Movement::Gone(player_id));
                }
            }
        }
        metrics::gauge!("rally_ws_sessions").set(sessions.by_id.len() as f64);
    }
}
