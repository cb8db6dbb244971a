//! Request and response bodies of the account routes (`/v1/auth/*`, `/v1/profile/*`).
//! Requests refuse unknown fields, so a misspelt field is an error rather than ignored.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /v1/auth/register`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// 3 to 24 of letters, digits and underscore; unique without regard to case.
    pub username: String,
    /// Unique without regard to case; never shown to other players.
    pub email: String,
    /// 8 to 128 characters.
    pub password: String,
    /// 1 to 32 characters; the username when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// One of the regions the server offers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// `POST /v1/auth/login`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The username or the email.
    pub login: String,
    /// The password.
    pub password: String,
}

/// `POST /v1/auth/refresh`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh; spent by this request.
    pub refresh_token: String,
}

/// `POST /v1/auth/logout` (the body is optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    /// Revoke every session of the player, not only this login's.
    #[serde(default)]
    pub all: bool,
}

/// A new pair of tokens.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TokenPair {
    /// A JWT for `Authorization: Bearer`, valid for `expires_in` seconds.
    pub access_token: String,
    /// An opaque token for `POST /v1/auth/refresh`; single use.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// The answer to a registration, login or refresh: tokens and the player.
#[derive(Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuthResponse {
    /// A JWT for `Authorization: Bearer`, valid for `expires_in` seconds.
    pub access_token: String,
    /// An opaque token for `POST /v1/auth/refresh`; single use.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The player's own profile.
    pub player: PlayerProfile,
}

/// A player's own profile (`GET /v1/profile/me`): everything, including the email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlayerProfile {
    /// The player's id.
    pub id: Uuid,
    /// Login name.
    pub username: String,
    /// Email.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Home region.
    pub region: Option<String>,
    /// Avatar image url.
    pub avatar_url: Option<String>,
    /// When the player registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the profile last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// What other players see (`GET /v1/profile/{player_id}`): never the email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublicProfile {
    /// The player's id.
    pub id: Uuid,
    /// Login name.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// Home region.
    pub region: Option<String>,
    /// Avatar image url.
    pub avatar_url: Option<String>,
    /// Ratings in the active season, by mode (empty without an active season).
    pub ratings: Vec<RatingSummary>,
}

/// One rating of a player in the active season.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RatingSummary {
    /// The queue's mode.
    pub mode: String,
    /// Skill estimate (mu).
    pub mean: f64,
    /// Uncertainty of the estimate (sigma).
    pub uncertainty: f64,
    /// The queue's rating system: `weng_lin`, `glicko2` or `elo` (absent for a queue no longer
    /// configured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Glicko-2's volatility (how erratic the player's results are); absent for the systems
    /// that have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volatility: Option<f64>,
    /// Rated games played.
    pub games: i32,
}

/// `PATCH /v1/profile/me`: every field is optional; absent fields stay as they are. Changing
/// the email or the password needs `current_password`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfileRequest {
    /// 1 to 32 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// One of the regions the server offers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// An http(s) url of at most 512 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// A new email (needs `current_password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A new password, 8 to 128 characters (needs `current_password`). Ends every other
    /// session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_password: Option<String>,
    /// The current password, to change the email or the password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_password: Option<String>,
}

macro_rules! redacted_debug {
    ($name:ident { $($shown:ident),* }) => {
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    $(.field(stringify!($shown), &self.$shown))*
                    .finish_non_exhaustive()
            }
        }
    };
}
// Passwords, emails and tokens never print.
redacted_debug!(RegisterRequest {
    username,
    display_name,
    region
});
redacted_debug!(LoginRequest {});
redacted_debug!(RefreshRequest {});
redacted_debug!(TokenPair {
    token_type,
    expires_in
});
redacted_debug!(AuthResponse {
    token_type,
    expires_in,
    player
});
redacted_debug!(UpdateProfileRequest {
    display_name,
    region,
    avatar_url
});
