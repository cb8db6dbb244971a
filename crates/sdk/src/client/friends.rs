//! Friends: the list with each friend's presence, requests, acceptance and removal; and blocks. Every change
//! is also pushed to both players as [`Event::FriendUpdated`](crate::Event::FriendUpdated).

use rally_protocol::{BlockList, Friend, FriendList, FriendRequest};
use uuid::Uuid;

use super::Client;
use crate::{error::Result, http::Call};

impl Client {
    /// The player's friends with where each is (online, in a party, a queue or a match, or
    /// offline with when last seen), then the requests waiting either way.
    pub async fn friends(&self) -> Result<FriendList> {
        self.authed(|| Ok(Call::get("/v1/friends"))).await
    }

    /// Asks a player to be friends; when they had asked already, this accepts their request
    /// (`player_not_found`, `cannot_befriend_self`, `already_friends`, `friend_request_exists`,
    /// `friends_limit`, `friend_requests_limit`).
    pub async fn request_friend(&self, player_id: Uuid) -> Result<Friend> {
        let request = FriendRequest { player_id };
        self.authed(|| Call::post("/v1/friends/requests").json(&request))
            .await
    }

    /// Accepts the request a player sent (`friend_request_not_found`, `friends_limit`).
    pub async fn accept_friend(&self, player_id: Uuid) -> Result<Friend> {
        self.authed(|| {
            Ok(Call::post(format!(
                "/v1/friends/requests/{player_id}/accept"
            )))
        })
        .await
    }

    /// Declines the request a player sent (`friend_request_not_found`).
    pub async fn decline_friend(&self, player_id: Uuid) -> Result<()> {
        self.authed(|| {
            Ok(Call::post(format!(
                "/v1/friends/requests/{player_id}/decline"
            )))
        })
        .await
    }

    /// Withdraws the request the player sent (`friend_request_not_found`).
    pub async fn cancel_friend_request(&self, player_id: Uuid) -> Result<()> {
        self.authed(|| Ok(Call::delete(format!("/v1/friends/requests/{player_id}"))))
            .await
    }

    /// Ends a friendship (`not_friends`).
    pub async fn remove_friend(&self, player_id: Uuid) -> Result<()> {
        self.authed(|| Ok(Call::delete(format!("/v1/friends/{player_id}"))))
            .await
    }

    /// The players this player blocked, most recent first.
    pub async fn blocked_players(&self) -> Result<BlockList> {
        self.authed(|| Ok(Call::get("/v1/blocks"))).await
    }

    /// Blocks a player: any friendship or request between the two ends, neither can ask the
    /// other to be friends or invite them to a party, and the matchmaker keeps them apart; the
    /// other player is not told (`player_not_found`, `cannot_block_self`, `blocks_limit`).
    pub async fn block_player(&self, player_id: Uuid) -> Result<()> {
        self.authed(|| Ok(Call::put(format!("/v1/blocks/{player_id}"))))
            .await
    }

    /// Lifts a block (`not_blocked`).
    pub async fn unblock_player(&self, player_id: Uuid) -> Result<()> {
        self.authed(|| Ok(Call::delete(format!("/v1/blocks/{player_id}"))))
            .await
    }
}
