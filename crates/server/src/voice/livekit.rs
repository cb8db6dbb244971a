//! [`LiveKit`]: access tokens for LiveKit rooms, signed (HS256) with the LiveKit API secret, as
//! LiveKit documents them: the API key as issuer, the member as subject (identity), a `name`,
//! `nbf`/`exp`, and a `video` grant to join that one room, publish and subscribe.

use rally_protocol::VoiceAccess;
use serde::{Deserialize, Serialize};

use super::{Seat, VoiceError, VoiceProvider};
use crate::settings::{Secret, VoiceSettings};

/// LiveKit's video grant, the part of the claims that admits to a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveKitGrant {
    /// The room.
    pub room: String,
    /// May join it.
    pub room_join: bool,
    /// May publish audio.
    pub can_publish: bool,
    /// May hear the others.
    pub can_subscribe: bool,
    /// May send data messages.
    pub can_publish_data: bool,
}

/// The claims of a LiveKit access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveKitClaims {
    /// The API key.
    pub iss: String,
    /// The member's identity in the room: their player id.
    pub sub: String,
    /// Their display name.
    pub name: String,
    /// Not before (Unix seconds).
    pub nbf: i64,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// The grant.
    pub video: LiveKitGrant,
}

/// LiveKit: where clients connect, and the API key and secret that sign their tokens.
#[derive(Clone)]
pub struct LiveKit {
    url: String,
    api_key: String,
    api_secret: Secret,
}

/// The secret never prints.
impl std::fmt::Debug for LiveKit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveKit")
            .field("url", &self.url)
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

impl LiveKit {
    /// LiveKit as the settings configure it (validated: all three are set).
    pub fn from_settings(settings: &VoiceSettings) -> Self {
        Self {
            url: settings.voice_url.clone().unwrap_or_default(),
            api_key: settings.livekit_api_key.clone().unwrap_or_default(),
            api_secret: settings
                .livekit_api_secret
                .clone()
                .unwrap_or_else(|| Secret::new("")),
        }
    }

    /// The signed token for `seat`.
    pub fn token(&self, seat: &Seat) -> Result<(String, i64), VoiceError> {
        let now = seat.now.unix_millis() / 1000;
        let exp = now + i64::try_from(seat.ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let claims = LiveKitClaims {
            iss: self.api_key.clone(),
            sub: seat.player_id.to_string(),
            name: seat.display_name.clone(),
            nbf: now,
            exp,
            video: LiveKitGrant {
                room: seat.room.clone(),
                room_join: true,
                can_publish: true,
                can_subscribe: true,
                can_publish_data: true,
            },
        };
        let key = jsonwebtoken::EncodingKey::from_secret(self.api_secret.expose().as_bytes());
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        let token = jsonwebtoken::encode(&header, &claims, &key)
            .map_err(|e| VoiceError::Provider(format!("cannot sign a LiveKit token: {e}")))?;
        Ok((token, exp))
    }
}

impl VoiceProvider for LiveKit {
    async fn access(&self, seat: &Seat) -> Result<VoiceAccess, VoiceError> {
        let (token, exp) = self.token(seat)?;
        let expires_at = time::OffsetDateTime::from_unix_timestamp(exp)
            .map_err(|e| VoiceError::Provider(e.to_string()))?;
        Ok(VoiceAccess {
            provider: "livekit".to_owned(),
            url: self.url.clone(),
            room: seat.room.clone(),
            token,
            expires_at,
        })
    }
}
