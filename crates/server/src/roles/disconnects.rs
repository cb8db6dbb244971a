//! The queue's disconnect policy (every `api` node): a player whose last gateway session on this
//! node ended (past the resume grace) and who is not online on another node leaves the queue,
//! when `queue_leave_on_disconnect` says so.

use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use rally_state::State;

use crate::{
    gateway,
    matchmaking::{Queueing, queueing},
};

/// The queue's disconnect policy: a player whose last session on this node ended (past the
/// resume grace) and who is not online on another node leaves the queue, when
/// `queue_leave_on_disconnect` says so.
///
/// `state` is where presence lives; `leave_on_disconnect` is the setting.
pub async fn run(
    queueing: Queueing,
    state: State,
    leave_on_disconnect: bool,
    mut gone: tokio::sync::mpsc::UnboundedReceiver<Uuid>,
    stop: CancellationToken,
) {
    loop {
        let player_id = tokio::select! {
            () = stop.cancelled() => return,
            player = gone.recv() => match player {
                Some(player) => player,
                None => return,
            },
        };
        if !leave_on_disconnect {
            continue;
        }
        match gateway::presence::node_of(&state, player_id).await {
            Ok(None) => {
                if let Err(error) = queueing::dequeue_disconnected(&queueing, player_id).await {
                    tracing::warn!(error = %error, "cannot take a disconnected player out of the queue");
                }
            }
            Ok(Some(_)) => {}
            Err(error) => tracing::warn!(error = %error, "cannot read presence"),
        }
    }
}
