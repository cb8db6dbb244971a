//! Presence: which players are online, asked over the gateway.

use rally_protocol::{
    Problem,
    gateway::{ClientRequest, PresenceQuery, ServerEvent},
};
use uuid::Uuid;

use super::Client;
use crate::error::{Error, Result};

impl Client {
    /// Which of `player_ids` (at most 100) are connected to Rally now, for a friends list. Asked
    /// over the gateway: call [`Client::connect`] first. Waits for the connection when it is
    /// reconnecting, up to the request timeout.
    pub async fn presence(&self, player_ids: &[Uuid]) -> Result<Vec<Uuid>> {
        let query = ClientRequest::PresenceQuery(PresenceQuery {
            player_ids: player_ids.to_vec(),
        });
        let answer = match self.inner.gateway.lock().await.as_ref() {
            Some(gateway) => gateway.request(query),
            None => {
                return Err(Error::InvalidArgument(
                    "presence needs the gateway: call connect first".into(),
                ));
            }
        };
        let timeout = self.inner.config.request_timeout;
        match tokio::time::timeout(timeout, answer).await {
            Err(_) => Err(Error::Transport("no presence answer in time".into())),
            Ok(Err(_)) => Err(Error::Transport(
                "the gateway connection dropped before the answer; try again".into(),
            )),
            Ok(Ok(Err(refusal))) => Err(Error::Api {
                problem: Box::new(
                    Problem::new(400, refusal.code, "Gateway refusal").with_detail(refusal.detail),
                ),
                retry_after: None,
            }),
            Ok(Ok(Ok(ServerEvent::Presence(presence)))) => Ok(presence.online),
            Ok(Ok(Ok(other))) => Err(Error::Protocol(format!(
                "presence was answered with {}",
                other.kind()
            ))),
        }
    }
}
