//! Where a gateway session stands: its id and the last push delivered, so a reconnect resumes
//! it and a push replayed twice is delivered once.

use rally_protocol::gateway::Hello;
use uuid::Uuid;

/// The session to resume and the `seq` of the last push delivered in it.
#[derive(Debug, Default)]
pub(crate) struct Cursor {
    session: Option<(Uuid, u64)>,
}

impl Cursor {
    /// The query that resumes the session, once there is one.
    pub(crate) fn resume_query(&self) -> Option<String> {
        self.session
            .map(|(session, last_seq)| format!("resume={session}&last_seq={last_seq}"))
    }

    /// A new connection's `hello`: the session it resumed (keeping our place), or a new one
    /// (starting from its `last_seq`).
    pub(crate) fn hello(&mut self, hello: &Hello) {
        let last_seq = match self.session {
            Some((_, seq)) if hello.resumed => seq,
            _ => hello.last_seq,
        };
        self.session = Some((hello.session_id, last_seq));
    }

    /// Whether a frame with `seq` is new; a push at or below the last delivered is a replay.
    /// Replies carry no `seq` and are always new.
    pub(crate) fn admit(&mut self, seq: Option<u64>) -> bool {
        match (seq, self.session.as_mut()) {
            (Some(seq), Some((_, last))) => {
                if seq <= *last {
                    return false;
                }
                *last = seq;
                true
            }
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(session: u128, resumed: bool, last_seq: u64) -> Hello {
        Hello {
            player_id: Uuid::from_u128(1),
            session_id: Uuid::from_u128(session),
            resumed,
            last_seq,
            ping_interval_ms: 15_000,
            idle_timeout_ms: 45_000,
            resume_grace_ms: 30_000,
        }
    }

    #[test]
    fn a_resumed_session_drops_the_pushes_already_delivered() {
        let mut cursor = Cursor::default();
        assert_eq!(cursor.resume_query(), None);
        cursor.hello(&hello(7, false, 0));
        assert!(cursor.admit(Some(1)) && cursor.admit(Some(2)));
        assert!(cursor.admit(None), "replies have no seq");
        assert_eq!(
            cursor.resume_query().as_deref(),
            Some("resume=00000000-0000-0000-0000-000000000007&last_seq=2")
        );
        // The server replays from what it thinks we have; what we already had is dropped.
        cursor.hello(&hello(7, true, 1));
        let delivered: Vec<u64> = [2, 3, 3, 4]
            .into_iter()
            .filter(|seq| cursor.admit(Some(*seq)))
            .collect();
        assert_eq!(delivered, vec![3, 4]);
    }

    #[test]
    fn a_refused_resume_starts_over_from_the_new_session() {
        let mut cursor = Cursor::default();
        cursor.hello(&hello(7, false, 0));
        assert!(cursor.admit(Some(40)));
        cursor.hello(&hello(8, false, 0));
        assert!(
            cursor.admit(Some(1)),
            "a new session numbers its pushes from 1 again"
        );
        assert!(
            cursor
                .resume_query()
                .is_some_and(|q| q.contains("000000000008&last_seq=1"))
        );
    }
}
