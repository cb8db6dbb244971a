//! The roles' background loops, one file each, and [`spawn`], which starts those of a node's
//! roles. Every loop stops on the node's cancellation token; the loops that read a durable
//! stream run the one consumer loop of [`crate::bus::reader`].
//!
//! | loop | runs on | step |
//! |---|---|---|
//! | [`matchmaker`]: leases, the engine's rounds, matches and timeouts written | `matchmaker` | `MatchmakerRole::round` |
//! | [`sessions`]: a server for each `match.created`; heartbeat deadlines | `sessions` | `Reader::step`, `HeartbeatWatch::step` |
//! | [`ratings`]: each `match.completed` applied; leaderboard sets rebuilt | `ratings` | `Reader::step` |
//! | [`dispatch`]: events pushed to the players they concern | `api` | `Reader::step` |
//! | [`ready_checks`]: overdue ready checks expired and announced | `api` | `parties::ready::expire_overdue` |
//! | [`chat_retention`]: chat messages past their retention deleted, hourly | `api` | `chat::purge` |
//! | [`disconnects`]: players coming and going: friends told, last seen kept, the queue's disconnect policy | every node | `friends::announce_presence` |
//! | [`whereabouts`]: friends told as players join or leave parties, queues and matches | `api` | `Reader::step` |
//! | [`presence`]: presence recorded again after a state outage | `api` | |
//! | [`outbox_relay`]: committed events published | every node | `OutboxRelay::pass` |

pub mod chat_retention;
pub mod disconnects;
pub mod dispatch;
pub mod matchmaker;
pub mod outbox_relay;
pub mod presence;
pub mod ratings;
pub mod ready_checks;
pub mod sessions;
pub mod whereabouts;

use std::sync::Arc;

use rally_clock::Clock;
use tokio::{sync::mpsc::UnboundedReceiver, task::JoinSet};
use tokio_util::sync::CancellationToken;

use crate::{
    accounts::Accounts,
    backends::Backends,
    chat::Chat,
    friends::Friends,
    gateway::{Gateway, Movement},
    matchmaking::{Queueing, Queues},
    parties::Parties,
    ratings::Ratings,
    sessions::{Allocator, Sessions},
    settings::{Role, Settings},
    state_epoch::StateEpoch,
    voice::Voice,
};

/// What a node hands its roles, built by the composition root (`app`): each loop is given
/// only the parts it uses.
#[derive(Debug, Clone)]
pub struct Parts {
    /// The node's settings (which roles it plays, and each role's section).
    pub settings: Settings,
    /// The node's clock.
    pub clock: Clock,
    /// The store, state and events.
    pub backends: Backends,
    /// The configured queues.
    pub queues: Queues,
    /// The state backend's epoch.
    pub state_epoch: Arc<StateEpoch>,
    /// This node's WebSocket gateway.
    pub gateway: Gateway,
    /// The accounts service.
    pub accounts: Accounts,
    /// The parties service.
    pub parties: Parties,
    /// The friends service.
    pub friends: Friends,
    /// The chat service.
    pub chat: Chat,
    /// The queueing service.
    pub queueing: Queueing,
    /// The sessions service.
    pub sessions: Sessions,
    /// The ratings service.
    pub ratings: Ratings,
    /// The voice service.
    pub voice: Voice,
}

/// Starts the loops of every role the node plays (and the outbox relay, which every node
/// runs) in `loops`, each stopping when `stop` is cancelled. `movements` hears of players who
/// came online on this node, and of those whose last gateway session on it ended.
pub fn spawn(
    parts: Parts,
    movements: UnboundedReceiver<Movement>,
    loops: &mut JoinSet<()>,
    stop: &CancellationToken,
) {
    let Parts {
        settings,
        clock,
        backends,
        queues,
        state_epoch,
        gateway,
        accounts,
        parties,
        friends,
        chat,
        queueing,
        sessions,
        ratings,
        voice,
    } = parts;
    let roles = &settings.node.roles;
    loops.spawn(outbox_relay::OutboxRelay::new(backends.clone()).run(stop.clone()));
    let acting = disconnects::Movements {
        queueing,
        friends: friends.clone(),
        state: backends.state.clone(),
        store: backends.store.clone(),
        events: backends.events.clone(),
        clock: clock.clone(),
        leave_on_disconnect: settings.matchmaking.queue_leave_on_disconnect,
        resume_grace: settings.ws_resume_grace(),
    };
    loops.spawn(disconnects::run(acting, movements, stop.clone()));
    if roles.contains(Role::Matchmaker) {
        let holder = gateway.node_id().to_string();
        let role = matchmaker::MatchmakerRole::new(
            &backends,
            clock.clone(),
            queues.clone(),
            settings.matchmaking.clone(),
            holder,
        );
        loops.spawn(role.run(stop.clone()));
    }
    if roles.contains(Role::Ratings) {
        let role = ratings::RatingsRole {
            ratings,
            backends: backends.clone(),
            clock: clock.clone(),
            queues,
            season: settings.ratings.season.clone(),
            state_epoch: state_epoch.clone(),
        };
        loops.spawn(ratings::run(role, stop.clone()));
    }
    if roles.contains(Role::Sessions) {
        let allocator = Allocator::from_settings(&settings);
        let events = backends.events.clone();
        loops.spawn(sessions::allocate(
            sessions.clone(),
            allocator,
            events,
            stop.clone(),
        ));
        let watch = sessions::HeartbeatWatch::new(
            sessions.clone(),
            backends.store.clone(),
            state_epoch.clone(),
        );
        loops.spawn(sessions::watch_heartbeats(
            watch,
            clock.clone(),
            stop.clone(),
        ));
        loops.spawn(sessions::watch_acceptances(
            sessions.clone(),
            clock.clone(),
            stop.clone(),
        ));
    }
    if roles.contains(Role::Api) {
        loops.spawn(ready_checks::run(parties, clock.clone(), stop.clone()));
        loops.spawn(chat_retention::run(chat, clock, stop.clone()));
        loops.spawn(presence::run(gateway, state_epoch, stop.clone()));
        for stream in dispatch::STREAMS {
            let dispatcher = dispatch::Dispatcher::new(
                accounts.clone(),
                sessions.clone(),
                voice.clone(),
                backends.events.clone(),
            );
            loops.spawn(dispatch::run(dispatcher, stream, stop.clone()));
        }
        for stream in whereabouts::STREAMS {
            let announcer = whereabouts::Announcer::new(
                friends.clone(),
                backends.store.clone(),
                backends.events.clone(),
            );
            loops.spawn(whereabouts::run(announcer, stream, stop.clone()));
        }
    }
}
