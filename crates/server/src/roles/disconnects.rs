//! What a node does as players come and go (every node with a gateway): a player who came
//! online is announced to their friends; a player whose last gateway session on this node ended
//! (past the resume grace) and who is not online on another node is recorded as last seen,
//! announced to their friends as offline, and leaves the queue when `queue_leave_on_disconnect`
//! says so.

use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use rally_clock::Clock;
use rally_events::Events;
use rally_state::State;
use rally_store::{Store, Timestamp};

use crate::{
    friends::{self, Announcement, Friends},
    gateway::{self, Movement},
    matchmaking::{Queueing, queueing},
};

/// What the loop acts with.
#[derive(Debug, Clone)]
pub struct Movements {
    /// Takes a disconnected player out of the queue.
    pub queueing: Queueing,
    /// Announces a player's presence to their friends.
    pub friends: Friends,
    /// Where presence lives.
    pub state: State,
    /// Where when each player was last seen is kept.
    pub store: Store,
    /// The bus the announcements travel on.
    pub events: Events,
    /// The node's clock.
    pub clock: Clock,
    /// `queue_leave_on_disconnect`.
    pub leave_on_disconnect: bool,
    /// `ws_resume_grace_s`: a player is gone this long after their socket closed.
    pub resume_grace: std::time::Duration,
}

/// Acts on each of `movements` until `stop` is cancelled.
pub async fn run(
    acting: Movements,
    mut movements: tokio::sync::mpsc::UnboundedReceiver<Movement>,
    stop: CancellationToken,
) {
    loop {
        let movement = tokio::select! {
            () = stop.cancelled() => return,
            movement = movements.recv() => match movement {
                Some(movement) => movement,
                None => return,
            },
        };
        match movement {
            Movement::Arrived(player_id) => announce(&acting, player_id),
            Movement::Gone(player_id) => gone(&acting, player_id).await,
        }
    }
}

/// `player_id`'s last session here ended: unless they are online on another node, they are
/// last seen now, offline to their friends, and out of the queue if the policy says so.
async fn gone(acting: &Movements, player_id: Uuid) {
    match gateway::presence::node_of(&acting.state, player_id).await {
        Ok(None) => {
            // Their socket closed a resume grace ago.
            let now = acting.clock.now();
            let left = Timestamp::from(now.checked_sub(acting.resume_grace).unwrap_or(now));
            if let Err(error) = acting.store.mark_seen(player_id, left).await {
                tracing::warn!(error = %error, "cannot record when a player was last seen");
            }
            announce(acting, player_id);
            if !acting.leave_on_disconnect {
                return;
            }
            if let Err(error) = queueing::dequeue_disconnected(&acting.queueing, player_id).await {
                tracing::warn!(error = %error, "cannot take a disconnected player out of the queue");
            }
        }
        Ok(Some(_)) => {}
        Err(error) => tracing::warn!(error = %error, "cannot read presence"),
    }
}

/// How many times an announcement put off is tried again before it is left to the next move.
const ANNOUNCE_TRIES: usize = 20;

/// Tells `player_id`'s friends where they are, in a task of its own so the loop goes on; an
/// announcement put off (over the player's quota) is told when it is allowed.
fn announce(acting: &Movements, player_id: Uuid) {
    let (friends, events, clock) = (
        acting.friends.clone(),
        acting.events.clone(),
        acting.clock.clone(),
    );
    tokio::spawn(async move {
        for _ in 0..ANNOUNCE_TRIES {
            match friends::announce_presence(&friends, &events, player_id).await {
                Ok(Announcement::Later(after)) => clock.sleep(after).await,
                Ok(Announcement::Told(_) | Announcement::Unchanged) => return,
                Err(error) => {
                    tracing::warn!(error = %error, "cannot tell a player's friends where they are");
                    return;
                }
            }
        }
    });
}
