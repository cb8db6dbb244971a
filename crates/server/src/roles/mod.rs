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
//! | [`disconnects`]: the queue's disconnect policy | every node | |
//! | [`presence`]: presence recorded again after a state outage | `api` | |
//! | [`outbox_relay`]: committed events published | every node | `OutboxRelay::pass` |

pub mod disconnects;
pub mod dispatch;
pub mod matchmaker;
pub mod outbox_relay;
pub mod presence;
pub mod ratings;
pub mod ready_checks;
pub mod sessions;

use tokio::{sync::mpsc::UnboundedReceiver, task::JoinSet};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::{app::AppState, settings::Role};

/// Starts the loops of every role `app` plays (and the outbox relay, which every node runs)
/// in `loops`, each stopping when `stop` is cancelled. `gone` hears of players whose last
/// gateway session on this node ended.
pub fn spawn(
    app: &AppState,
    gone: UnboundedReceiver<Uuid>,
    loops: &mut JoinSet<()>,
    stop: &CancellationToken,
) {
    let roles = &app.settings().node.roles;
    loops.spawn(outbox_relay::OutboxRelay::new(app.backends().clone()).run(stop.clone()));
    loops.spawn(disconnects::run(app.clone(), gone, stop.clone()));
    if roles.contains(Role::Matchmaker) {
        let holder = app.gateway().node_id().to_string();
        loops.spawn(matchmaker::MatchmakerRole::new(app.clone(), holder).run(stop.clone()));
    }
    if roles.contains(Role::Ratings) {
        loops.spawn(ratings::run(app.clone(), stop.clone()));
    }
    if roles.contains(Role::Sessions) {
        loops.spawn(sessions::allocate(app.clone(), stop.clone()));
        loops.spawn(sessions::watch_heartbeats(app.clone(), stop.clone()));
    }
    if roles.contains(Role::Api) {
        loops.spawn(ready_checks::run(app.clone(), stop.clone()));
        loops.spawn(presence::run(app.clone(), stop.clone()));
        for stream in dispatch::STREAMS {
            let events = app.backends().events.clone();
            loops.spawn(dispatch::run(app.clone(), events, stream, stop.clone()));
        }
    }
}
