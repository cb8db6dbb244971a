//! Accounts: register, log in (also with a kept refresh token), log out, and profiles.

use rally_protocol::{
    AuthResponse, LoginRequest, LogoutRequest, PlayerProfile, PublicProfile, RefreshRequest,
    RegisterRequest, UpdateProfileRequest,
};
use uuid::Uuid;

use super::Client;
use crate::{error::Result, http::Call};

impl Client {
    /// Creates an account and logs in as it; the new player.
    ///
    /// Refusals: `username_taken`, `email_taken`, `invalid_username`, `invalid_email`,
    /// `invalid_password`, `rate_limited`.
    pub async fn register(
        &self,
        username: &str,
        email: &str,
        password: &str,
    ) -> Result<PlayerProfile> {
        self.register_with(RegisterRequest {
            username: username.to_owned(),
            email: email.to_owned(),
            password: password.to_owned(),
            display_name: None,
            region: None,
        })
        .await
    }

    /// [`Client::register`] with every field of the request (display name, home region).
    pub async fn register_with(&self, request: RegisterRequest) -> Result<PlayerProfile> {
        let answer: AuthResponse = self
            .public(Call::post("/v1/auth/register").json(&request)?)
            .await?;
        Ok(self.logged_in(answer).await)
    }

    /// Logs in with a username or email and the password; the player.
    ///
    /// Refusals: `invalid_credentials`, `account_banned`, `account_disabled`, `rate_limited`.
    pub async fn login(&self, login: &str, password: &str) -> Result<PlayerProfile> {
        let request = LoginRequest {
            login: login.to_owned(),
            password: password.to_owned(),
        };
        let answer: AuthResponse = self
            .public(Call::post("/v1/auth/login").json(&request)?)
            .await?;
        Ok(self.logged_in(answer).await)
    }

    /// Logs in again with a refresh token kept from [`Client::refresh_token`], so a player
    /// need not type the password at each start. The token is spent; keep the new one.
    pub async fn login_with_refresh_token(&self, refresh_token: &str) -> Result<PlayerProfile> {
        let request = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        let answer: AuthResponse = self
            .public(Call::post("/v1/auth/refresh").json(&request)?)
            .await?;
        Ok(self.logged_in(answer).await)
    }

    /// Keeps a new login; the gateway of another player logged in before is closed.
    async fn logged_in(&self, answer: AuthResponse) -> PlayerProfile {
        let before = self.inner.credentials.player().await.map(|p| p.id);
        if before.is_some_and(|id| id != answer.player.id) {
            self.disconnect().await;
        }
        self.inner.credentials.install(answer).await
    }

    /// Refreshes the token pair now, as the SDK does by itself before the access token expires;
    /// for a game coming back from a long suspend. A refusal that ends the login logs out.
    pub async fn refresh(&self) -> Result<()> {
        let answer = self.inner.credentials.refresh_now().await;
        self.closed_if_logged_out(answer).await.map(drop)
    }

    /// Logs out: closes the gateway and ends this login's refresh tokens on Rally, or every
    /// login of the player with `everywhere`.
    pub async fn logout(&self, everywhere: bool) -> Result<()> {
        let request = LogoutRequest { all: everywhere };
        let answer: Result<()> = self
            .authed(|| Call::post("/v1/auth/logout").json(&request))
            .await;
        self.disconnect().await;
        self.inner.credentials.clear().await;
        answer
    }

    /// The logged-in player, as of the last login or refresh.
    pub async fn player(&self) -> Option<PlayerProfile> {
        self.inner.credentials.player().await
    }

    /// The current refresh token, to keep (securely) for [`Client::login_with_refresh_token`].
    /// It changes at each refresh.
    pub async fn refresh_token(&self) -> Option<String> {
        self.inner.credentials.refresh_token().await
    }

    /// The player's own profile, with the email.
    pub async fn profile(&self) -> Result<PlayerProfile> {
        self.authed(|| Ok(Call::get("/v1/profile/me"))).await
    }

    /// Changes the player's profile; the email and the password need `current_password`.
    pub async fn update_profile(&self, request: &UpdateProfileRequest) -> Result<PlayerProfile> {
        self.authed(|| Call::new(reqwest::Method::PATCH, "/v1/profile/me").json(request))
            .await
    }

    /// Another player's public profile and ratings (`player_not_found`).
    pub async fn public_profile(&self, player_id: Uuid) -> Result<PublicProfile> {
        self.authed(|| Ok(Call::get(format!("/v1/profile/{player_id}"))))
            .await
    }
}
