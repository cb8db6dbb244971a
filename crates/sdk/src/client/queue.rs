//! Queueing and game sessions: the queues on offer, the player's ticket, and the session of a
//! match found with its team voice.

use rally_protocol::{
    MatchAcceptance, QueueList, QueueRequest, QueueTicket, RegionLatency, VoiceAccess,
    session::SessionInfo,
};
use uuid::Uuid;

use super::{Client, none_on};
use crate::{error::Result, http::Call};

impl Client {
    /// The queues on offer, with their team shapes, regions and current waits.
    pub async fn queues(&self) -> Result<QueueList> {
        self.authed(|| Ok(Call::get("/v1/queues"))).await
    }

    /// Queues the player, or their whole party when they lead one, for `mode` in the regions
    /// given with their measured latencies. Then wait for [`Event::MatchFound`] and
    /// [`Event::SessionReady`](crate::Event::SessionReady).
    ///
    /// Refusals: `unknown_queue`, `unknown_region`, `no_region_in_reach`, `already_queued`,
    /// `in_match`, `party_not_ready`, `not_party_leader`, `party_too_large`, and
    /// `queue_cooldown` after declining a match lately ([`Error::retry_after`] says for how
    /// long).
    ///
    /// [`Error::retry_after`]: crate::Error::retry_after
    ///
    /// [`Event::MatchFound`]: crate::Event::MatchFound
    pub async fn join_queue(&self, mode: &str, regions: &[(&str, u32)]) -> Result<QueueTicket> {
        self.join_queue_with(&QueueRequest {
            mode: mode.to_owned(),
            regions: regions
                .iter()
                .map(|(region, latency_ms)| RegionLatency {
                    region: (*region).to_owned(),
                    latency_ms: *latency_ms,
                })
                .collect(),
            roles: None,
        })
        .await
    }

    /// [`Client::join_queue`] with every field of the request (roles).
    pub async fn join_queue_with(&self, request: &QueueRequest) -> Result<QueueTicket> {
        self.authed(|| Call::post("/v1/queue").json(request)).await
    }

    /// The player's searching ticket, else their last one; `None` when they never queued.
    pub async fn ticket(&self) -> Result<Option<QueueTicket>> {
        none_on(
            self.authed(|| Ok(Call::get("/v1/queue"))).await,
            "not_queued",
        )
    }

    /// Leaves the queue (the party leader, for a party; `not_queued`).
    pub async fn cancel_queue(&self) -> Result<QueueTicket> {
        self.authed(|| Ok(Call::delete("/v1/queue"))).await
    }

    /// Accepts a found match whose [`MatchFound::accept_deadline_ms`] is set; once every player
    /// has, [`Event::SessionReady`](crate::Event::SessionReady) follows. Each acceptance is
    /// pushed as [`Event::MatchAccepted`](crate::Event::MatchAccepted). Refusals:
    /// `match_not_found`, `not_participant`, `no_accept_step`, `accept_closed`.
    ///
    /// [`MatchFound::accept_deadline_ms`]: rally_protocol::queue::MatchFound::accept_deadline_ms
    pub async fn accept_match(&self, match_id: Uuid) -> Result<MatchAcceptance> {
        self.authed(|| Ok(Call::post(format!("/v1/matches/{match_id}/accept"))))
            .await
    }

    /// The accept step of a found match: who accepted so far, until when, and how it ended; for
    /// a game that reconnected without its pushes. Refusals as [`Client::accept_match`].
    pub async fn match_acceptance(&self, match_id: Uuid) -> Result<MatchAcceptance> {
        self.authed(|| Ok(Call::get(format!("/v1/matches/{match_id}/acceptance"))))
            .await
    }

    /// Declines a found match: it is cancelled for everyone
    /// ([`Event::MatchCancelled`](crate::Event::MatchCancelled), reason `declined`), the
    /// player's ticket ends, and they may not queue again for a cooldown that grows with
    /// repeated declines. Refusals as [`Client::accept_match`].
    pub async fn decline_match(&self, match_id: Uuid) -> Result<MatchAcceptance> {
        self.authed(|| Ok(Call::post(format!("/v1/matches/{match_id}/decline"))))
            .await
    }

    /// The game session of a match the player is in: its state, the server's endpoint and the
    /// player's session token (`not_participant`, `session_not_found`).
    pub async fn session(&self, match_id: Uuid) -> Result<SessionInfo> {
        self.authed(|| Ok(Call::get(format!("/v1/session/{match_id}"))))
            .await
    }

    /// The player's access to their team's voice room in a running match whose queue has team
    /// voice (also in `session.ready`): where to connect, the room and their own token
    /// (`not_participant`, `match_not_found`, `voice_not_offered`, `voice_not_configured`,
    /// `match_over`).
    pub async fn match_voice(&self, match_id: Uuid) -> Result<VoiceAccess> {
        self.authed(|| Ok(Call::get(format!("/v1/matches/{match_id}/voice"))))
            .await
    }
}
