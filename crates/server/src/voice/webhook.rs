//! [`Webhook`]: voice from any other service. Rally POSTs the seat as JSON (`kind`: `party` with
//! `party_id`, or `team` with `match_id` and `team`; `room`, `player_id`, `display_name`,
//! `ttl_s`) to the operator's `voice_webhook_url` and expects `{"url", "token"}` back (and
//! `expires_at`, RFC 3339, when the service sets its own expiry).

use std::time::Duration;

use rally_protocol::VoiceAccess;
use serde::Deserialize;

use super::{Channel, Seat, VoiceError, VoiceProvider};
use crate::settings::VoiceSettings;

/// How long Rally waits for the webhook.
const TIMEOUT: Duration = Duration::from_secs(5);

/// The operator's webhook.
#[derive(Debug, Clone)]
pub struct Webhook {
    url: String,
    http: reqwest::Client,
}

/// What the webhook answers.
#[derive(Debug, Deserialize)]
struct Answer {
    url: String,
    token: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    expires_at: Option<time::OffsetDateTime>,
}

impl Webhook {
    /// The webhook the settings name (validated: set, http or https).
    pub fn from_settings(settings: &VoiceSettings) -> Self {
        Self {
            url: settings.voice_webhook_url.clone().unwrap_or_default(),
            http: reqwest::Client::builder()
                .timeout(TIMEOUT)
                .build()
                .unwrap_or_default(),
        }
    }
}

impl VoiceProvider for Webhook {
    async fn access(&self, seat: &Seat) -> Result<VoiceAccess, VoiceError> {
        let mut body = match seat.channel {
            Channel::Party { party_id, .. } => {
                serde_json::json!({ "kind": "party", "party_id": party_id })
            }
            Channel::Team { match_id, team } => {
                serde_json::json!({ "kind": "team", "match_id": match_id, "team": team })
            }
        };
        body["room"] = seat.room.clone().into();
        body["player_id"] = seat.player_id.to_string().into();
        body["display_name"] = seat.display_name.clone().into();
        body["ttl_s"] = seat.ttl.as_secs().into();
        // Without the URL: an operator may keep a credential in it, and this reaches the log.
        let failed = |e: reqwest::Error| {
            VoiceError::Provider(format!("the voice webhook: {}", e.without_url()))
        };
        let answer: Answer = self
            .http
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .map_err(failed)?
            .error_for_status()
            .map_err(failed)?
            .json()
            .await
            .map_err(failed)?;
        let issued = time::OffsetDateTime::from_unix_timestamp(seat.now.unix_millis() / 1000)
            .map_err(|e| VoiceError::Provider(e.to_string()))?;
        let expires_at = answer.expires_at.unwrap_or_else(|| {
            issued + time::Duration::seconds(i64::try_from(seat.ttl.as_secs()).unwrap_or(0))
        });
        Ok(VoiceAccess {
            provider: "webhook".to_owned(),
            url: answer.url,
            room: seat.room.clone(),
            token: answer.token,
            expires_at,
        })
    }
}
