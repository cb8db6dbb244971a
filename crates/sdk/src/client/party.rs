//! Parties: create, join, invite, kick, promote, leave, and ready checks. Every change is also
//! pushed to each member as a `party.*` event.

use rally_protocol::{
    CreatePartyRequest, Party, PartyInvite, PartyPlayerRequest, ReadyRequest, VoiceAccess,
};
use uuid::Uuid;

use super::{Client, none_on};
use crate::{error::Result, http::Call};

impl Client {
    /// Creates a party led by the player (`already_in_party`).
    pub async fn create_party(&self, request: &CreatePartyRequest) -> Result<Party> {
        self.authed(|| Call::post("/v1/party").json(request)).await
    }

    /// The player's access to their party's voice room: where to connect, the room and their
    /// own token. The party's answers carry it too, and so does the `party.updated` push after
    /// a member joined or left, when the room changes (`not_in_party`, `voice_not_configured`).
    pub async fn party_voice(&self, party_id: Uuid) -> Result<VoiceAccess> {
        self.authed(|| Ok(Call::get(format!("/v1/party/{party_id}/voice"))))
            .await
    }

    /// The player's party, or `None` outside of one.
    pub async fn my_party(&self) -> Result<Option<Party>> {
        none_on(
            self.authed(|| Ok(Call::get("/v1/party/me"))).await,
            "not_in_party",
        )
    }

    /// A party by id (`party_not_found`).
    pub async fn party(&self, party_id: Uuid) -> Result<Party> {
        self.authed(|| Ok(Call::get(format!("/v1/party/{party_id}"))))
            .await
    }

    /// Joins a party the player was invited to, or an open one (`party_full`, `not_invited`,
    /// `invite_expired`, `already_in_party`, `party_closed`).
    pub async fn join_party(&self, party_id: Uuid) -> Result<Party> {
        self.authed(|| Ok(Call::post(format!("/v1/party/{party_id}/join"))))
            .await
    }

    /// Leaves a party; the leader leaving hands the lead on, the last member disbands it.
    pub async fn leave_party(&self, party_id: Uuid) -> Result<()> {
        self.authed(|| Ok(Call::post(format!("/v1/party/{party_id}/leave"))))
            .await
    }

    /// Invites a player (the leader only: `not_party_leader`, `already_invited`).
    pub async fn invite(&self, party_id: Uuid, player_id: Uuid) -> Result<PartyInvite> {
        let request = PartyPlayerRequest { player_id };
        self.authed(|| Call::post(format!("/v1/party/{party_id}/invite")).json(&request))
            .await
    }

    /// Declines an invite to a party.
    pub async fn decline_invite(&self, party_id: Uuid) -> Result<()> {
        self.authed(|| Ok(Call::post(format!("/v1/party/{party_id}/invite/decline"))))
            .await
    }

    /// Removes a member (the leader only).
    pub async fn kick(&self, party_id: Uuid, player_id: Uuid) -> Result<Party> {
        let request = PartyPlayerRequest { player_id };
        self.authed(|| Call::post(format!("/v1/party/{party_id}/kick")).json(&request))
            .await
    }

    /// Hands the lead to another member (the leader only).
    pub async fn promote(&self, party_id: Uuid, player_id: Uuid) -> Result<Party> {
        let request = PartyPlayerRequest { player_id };
        self.authed(|| Call::post(format!("/v1/party/{party_id}/promote")).json(&request))
            .await
    }

    /// Answers the party's ready check (or sets the member's readiness).
    pub async fn set_ready(&self, party_id: Uuid, ready: bool) -> Result<Party> {
        let request = ReadyRequest { ready };
        self.authed(|| Call::post(format!("/v1/party/{party_id}/ready")).json(&request))
            .await
    }

    /// Starts a ready check (the leader only: `ready_check_in_progress`).
    pub async fn start_ready_check(&self, party_id: Uuid) -> Result<Party> {
        self.authed(|| Ok(Call::post(format!("/v1/party/{party_id}/ready-check"))))
            .await
    }
}
