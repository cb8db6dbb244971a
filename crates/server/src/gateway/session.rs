//! [`GatewaySession`]: one player's stream of pushes on this node. It numbers the pushes, keeps
//! the last few for a reconnect to resume from, and hands them to the socket attached to it, if
//! any, through a bounded queue.

use std::{
    collections::VecDeque,
    sync::{Mutex, MutexGuard},
};

use axum::extract::ws::Utf8Bytes;
use rally_protocol::gateway::{GATEWAY_VERSION, ServerMessage, close_code};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::push::PlayerPush;

/// A push ready for the socket: its frame, and when the change it reports happened.
#[derive(Debug, Clone)]
pub struct Outbound {
    /// The JSON frame (cheap to clone).
    pub text: Utf8Bytes,
    /// The event's `type`, for metrics.
    pub kind: &'static str,
    /// Milliseconds since the Unix epoch.
    pub occurred_at_ms: i64,
    /// The trace context of the work that sent it, if any.
    pub traceparent: Option<String>,
    /// The correlation id of the chain of work that sent it, if any.
    pub correlation_id: Option<String>,
}

/// Why the session tells its socket to close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kick {
    /// The WebSocket close code.
    pub code: u16,
    /// The close reason.
    pub reason: &'static str,
}

impl Kick {
    /// The socket did not drain its queue in time.
    pub const SLOW_CONSUMER: Kick = Kick {
        code: close_code::SLOW_CONSUMER,
        reason: "slow consumer: too many pushes waiting",
    };
    /// Another connection resumed this session.
    pub const REPLACED: Kick = Kick {
        code: close_code::GOING_AWAY,
        reason: "this session was resumed by another connection",
    };
}

/// What a socket receives when it attaches to a session.
#[derive(Debug)]
pub struct Attachment {
    /// Which attachment this is (detaching names it, so a late detach of an old socket does
    /// not detach a newer one).
    pub generation: u64,
    /// The sequence number of the last push before this attachment.
    pub last_seq: u64,
    /// Pushes missed since the resume point, in order, to send before anything else.
    pub missed: Vec<Outbound>,
    /// Pushes from now on.
    pub pushes: mpsc::Receiver<Outbound>,
    /// Fires when the session wants the socket closed.
    pub kick: oneshot::Receiver<Kick>,
}

/// Why a resume was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeRefused {
    /// Pushes after the client's `last_seq` are no longer kept (or `last_seq` is in the future).
    Gap,
}

/// One player's gateway session on this node.
#[derive(Debug)]
pub struct GatewaySession {
    /// The session's id, which the client gives back to resume.
    pub id: Uuid,
    /// The player.
    pub player_id: Uuid,
    queue: usize,
    inner: Mutex<Inner>,
}

/// The most text a session keeps for a resume, whatever `ws_outbound_queue` allows: what a
/// client misses in a short disconnect, not a history (a longer gap refetches instead). It
/// keeps an idle node's memory per connected player small.
const REPLAY_BYTES: usize = 32 * 1024;

#[derive(Debug)]
struct Inner {
    last_seq: u64,
    /// The last pushes, oldest first, at most `queue` of them and [`REPLAY_BYTES`] of text.
    replay: VecDeque<(u64, Outbound)>,
    /// The text bytes held in `replay`.
    replay_bytes: usize,
    socket: Option<Socket>,
    generation: u64,
}

#[derive(Debug)]
struct Socket {
    generation: u64,
    pushes: mpsc::Sender<Outbound>,
    kick: Option<oneshot::Sender<Kick>>,
}

impl Socket {
    fn kick(mut self, why: Kick) {
        if let Some(kick) = self.kick.take() {
            let _ = kick.send(why);
        }
    }
}

impl GatewaySession {
    /// A new session for `player_id`, keeping up to `queue` pushes for a socket and as many for
    /// a resume.
    pub fn new(player_id: Uuid, queue: usize) -> Self {
        Self {
            id: Uuid::new_v4(),
            player_id,
            queue,
            inner: Mutex::new(Inner {
                last_seq: 0,
                replay: VecDeque::new(),
                replay_bytes: 0,
                socket: None,
                generation: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding this lock would be a bug in this file; the data stays usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Numbers `push`, keeps it for a resume and hands it to the socket. Returns `true` when the
    /// socket could not take it and was told to close as a slow consumer.
    pub fn deliver(&self, push: PlayerPush) -> bool {
        let mut inner = self.lock();
        inner.last_seq += 1;
        let seq = inner.last_seq;
        let kind = push.event.kind();
        let message = ServerMessage {
            v: GATEWAY_VERSION,
            id: Uuid::new_v4().to_string(),
            seq: Some(seq),
            event: push.event,
        };
        let text =
            Utf8Bytes::from(serde_json::to_string(&message).expect("BUG: a push serializes"));
        let outbound = Outbound {
            text,
            kind,
            occurred_at_ms: push.occurred_at_ms,
            traceparent: push.traceparent,
            correlation_id: push.correlation_id,
        };
        inner.replay_bytes += outbound.text.len();
        inner.replay.push_back((seq, outbound.clone()));
        while inner.replay.len() > self.queue || inner.replay_bytes > REPLAY_BYTES {
            match inner.replay.pop_front() {
                Some((_, dropped)) => inner.replay_bytes -= dropped.text.len(),
                None => break,
            }
        }
        let Some(socket) = inner.socket.as_ref() else {
            return false;
        };
        match socket.pushes.try_send(outbound) {
            Ok(()) => false,
            Err(mpsc::error::TrySendError::Full(_)) => {
                if let Some(socket) = inner.socket.take() {
                    socket.kick(Kick::SLOW_CONSUMER);
                }
                true
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                inner.socket = None;
                false
            }
        }
    }

    /// Attaches a socket. With `resume_from` (the last sequence number the client saw), the
    /// pushes after it come first; refused when some of them are no longer kept. A socket
    /// already attached is told to close.
    pub fn attach(&self, resume_from: Option<u64>) -> Result<Attachment, ResumeRefused> {
        let mut inner = self.lock();
        let missed = match resume_from {
            None => Vec::new(),
            Some(seen) => {
                if seen > inner.last_seq {
                    return Err(ResumeRefused::Gap);
                }
                let oldest_kept = inner.replay.front().map_or(inner.last_seq + 1, |(s, _)| *s);
                if seen + 1 < oldest_kept {
                    return Err(ResumeRefused::Gap);
                }
                inner
                    .replay
                    .iter()
                    .filter(|(seq, _)| *seq > seen)
                    .map(|(_, outbound)| outbound.clone())
                    .collect()
            }
        };
        if let Some(previous) = inner.socket.take() {
            previous.kick(Kick::REPLACED);
        }
        inner.generation += 1;
        let generation = inner.generation;
        let (pushes_tx, pushes) = mpsc::channel(self.queue);
        let (kick_tx, kick) = oneshot::channel();
        inner.socket = Some(Socket {
            generation,
            pushes: pushes_tx,
            kick: Some(kick_tx),
        });
        let last_seq = resume_from.unwrap_or(inner.last_seq);
        Ok(Attachment {
            generation,
            last_seq,
            missed,
            pushes,
            kick,
        })
    }

    /// Detaches the socket of `generation`, if it is still the attached one. Returns whether
    /// the session is now without a socket.
    pub fn detach(&self, generation: u64) -> bool {
        let mut inner = self.lock();
        if inner
            .socket
            .as_ref()
            .is_some_and(|s| s.generation == generation)
        {
            inner.socket = None;
        }
        inner.socket.is_none()
    }

    /// Whether no socket has attached since the one of `generation` left.
    pub fn abandoned_since(&self, generation: u64) -> bool {
        let inner = self.lock();
        inner.socket.is_none() && inner.generation == generation
    }

    /// Whether a socket is attached.
    pub fn attached(&self) -> bool {
        self.lock().socket.is_some()
    }
}

#[cfg(test)]
mod tests {
    use rally_protocol::gateway::ServerEvent;

    use super::*;

    fn pong() -> PlayerPush {
        PlayerPush {
            event: ServerEvent::Pong,
            occurred_at_ms: 0,
            traceparent: None,
            correlation_id: None,
        }
    }

    fn seqs(outbound: &[Outbound]) -> Vec<u64> {
        outbound
            .iter()
            .map(|o| {
                serde_json::from_str::<ServerMessage>(o.text.as_str())
                    .expect("frame")
                    .seq
                    .expect("seq")
            })
            .collect()
    }

    #[test]
    fn the_resume_buffer_holds_a_bounded_amount_of_text() {
        let session = GatewaySession::new(Uuid::nil(), 100_000);
        let pushes = REPLAY_BYTES; // far more than fit: each frame is tens of bytes
        for _ in 0..pushes {
            session.deliver(pong());
        }
        let inner = session.lock();
        assert!(inner.replay_bytes <= REPLAY_BYTES, "{}", inner.replay_bytes);
        let held: usize = inner.replay.iter().map(|(_, o)| o.text.len()).sum();
        assert_eq!(held, inner.replay_bytes);
        assert!(inner.replay.len() < pushes);
        // What is kept is the newest, without gaps.
        assert_eq!(inner.replay.back().map(|(s, _)| *s), Some(pushes as u64));
    }

    #[test]
    fn resume_returns_what_was_missed_in_order() {
        let session = GatewaySession::new(Uuid::nil(), 8);
        let first = session.attach(None).expect("attach");
        assert!(!session.deliver(pong()));
        assert!(session.detach(first.generation));
        for _ in 0..3 {
            assert!(!session.deliver(pong()));
        }
        let resumed = session.attach(Some(1)).expect("resume");
        assert_eq!(seqs(&resumed.missed), vec![2, 3, 4]);
        assert_eq!(resumed.last_seq, 1);
    }

    #[test]
    fn resume_past_what_is_kept_is_refused() {
        let session = GatewaySession::new(Uuid::nil(), 8);
        for _ in 0..10 {
            session.deliver(pong());
        }
        assert_eq!(session.attach(Some(1)).err(), Some(ResumeRefused::Gap));
        assert_eq!(session.attach(Some(11)).err(), Some(ResumeRefused::Gap));
        let resumed = session.attach(Some(2)).expect("seq 3 onwards is kept");
        assert_eq!(seqs(&resumed.missed), (3..=10).collect::<Vec<_>>());
    }

    #[test]
    fn a_full_queue_kicks_the_socket_as_a_slow_consumer() {
        let session = GatewaySession::new(Uuid::nil(), 8);
        let mut attachment = session.attach(None).expect("attach");
        for _ in 0..8 {
            assert!(!session.deliver(pong()));
        }
        assert!(session.deliver(pong()), "the ninth push overflows");
        assert_eq!(attachment.kick.try_recv(), Ok(Kick::SLOW_CONSUMER));
        assert!(!session.attached());
    }

    #[test]
    fn a_second_attach_replaces_the_first() {
        let session = GatewaySession::new(Uuid::nil(), 8);
        let mut first = session.attach(None).expect("attach");
        let second = session.attach(Some(0)).expect("resume");
        assert_eq!(first.kick.try_recv(), Ok(Kick::REPLACED));
        assert!(
            !session.detach(first.generation),
            "the old socket detaches nothing"
        );
        assert!(session.detach(second.generation));
        assert!(session.abandoned_since(second.generation));
    }
}
