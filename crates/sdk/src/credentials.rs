//! The player's login: the token pair, refreshed before the access token expires, and ended
//! (with [`Event::LoggedOut`]) when Rally refuses the refresh token.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use rally_protocol::{AuthResponse, PlayerProfile, RefreshRequest};
use tokio::sync::Mutex;

use crate::{
    error::{Error, Result},
    event::Event,
    http::{Call, Http},
    inbox::Inbox,
};

/// Codes with which Rally ends a login: the player must log in again.
const LOGGED_OUT_CODES: [&str; 6] = [
    "refresh_token_reused",
    "refresh_token_revoked",
    "refresh_token_expired",
    "invalid_refresh_token",
    "account_banned",
    "account_disabled",
];

/// Whether Rally's `code` means the login is over.
pub(crate) fn ends_login(code: &str) -> bool {
    LOGGED_OUT_CODES.contains(&code)
}

/// A live login.
struct Login {
    player: PlayerProfile,
    access_token: String,
    refresh_token: String,
    refresh_at: Instant,
}

/// The login of one client, shared by its calls and its gateway connection.
pub(crate) struct Credentials {
    http: Http,
    inbox: Arc<Inbox>,
    margin: Duration,
    login: Mutex<Option<Login>>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").finish_non_exhaustive()
    }
}

impl Credentials {
    pub(crate) fn new(http: Http, inbox: Arc<Inbox>, margin: Duration) -> Self {
        Self {
            http,
            inbox,
            margin,
            login: Mutex::new(None),
        }
    }

    /// Keeps the tokens of a register, login or refresh answer; the player.
    pub(crate) async fn install(&self, answer: AuthResponse) -> PlayerProfile {
        let player = answer.player.clone();
        *self.login.lock().await = Some(self.login_from(answer));
        player
    }

    fn login_from(&self, answer: AuthResponse) -> Login {
        let lifetime = Duration::from_secs(answer.expires_in);
        let early = self.margin.min(lifetime);
        Login {
            player: answer.player,
            access_token: answer.access_token,
            refresh_token: answer.refresh_token,
            refresh_at: Instant::now() + lifetime.saturating_sub(early),
        }
    }

    /// The logged-in player.
    pub(crate) async fn player(&self) -> Option<PlayerProfile> {
        self.login.lock().await.as_ref().map(|l| l.player.clone())
    }

    /// The refresh token, for a game that keeps the login across restarts.
    pub(crate) async fn refresh_token(&self) -> Option<String> {
        self.login
            .lock()
            .await
            .as_ref()
            .map(|l| l.refresh_token.clone())
    }

    /// A valid access token, refreshed first when it is about to expire.
    pub(crate) async fn access_token(&self) -> Result<String> {
        let mut login = self.login.lock().await;
        let current = login.as_ref().ok_or(Error::NotLoggedIn)?;
        if Instant::now() < current.refresh_at {
            return Ok(current.access_token.clone());
        }
        self.refresh_locked(&mut login).await
    }

    /// A new access token after Rally refused `stale`; one refresh however many callers saw
    /// the refusal at once.
    pub(crate) async fn refresh_after(&self, stale: &str) -> Result<String> {
        let mut login = self.login.lock().await;
        let current = login.as_ref().ok_or(Error::NotLoggedIn)?;
        if current.access_token != stale {
            return Ok(current.access_token.clone());
        }
        self.refresh_locked(&mut login).await
    }

    /// A new token pair now, whatever the access token's age.
    pub(crate) async fn refresh_now(&self) -> Result<String> {
        let mut login = self.login.lock().await;
        self.refresh_locked(&mut login).await
    }

    async fn refresh_locked(&self, login: &mut Option<Login>) -> Result<String> {
        let refresh_token = login
            .as_ref()
            .map(|l| l.refresh_token.clone())
            .ok_or(Error::NotLoggedIn)?;
        let call = Call::post("/v1/auth/refresh").json(&RefreshRequest { refresh_token })?;
        match self.http.json::<AuthResponse>(call).await {
            Ok(answer) => {
                let fresh = self.login_from(answer);
                let token = fresh.access_token.clone();
                *login = Some(fresh);
                Ok(token)
            }
            Err(error) if ends_login(error.code()) => {
                *login = None;
                Err(self.logged_out(error.code()))
            }
            Err(error) => Err(error),
        }
    }

    /// Ends the login because Rally said so: tells the game, and the error to return. The
    /// event is delivered from a task of the runtime, like every other event: never on the
    /// calling thread, nor under the login's lock.
    pub(crate) fn logged_out(&self, code: &str) -> Error {
        let inbox = Arc::clone(&self.inbox);
        let event = Event::LoggedOut {
            code: code.to_owned(),
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(async move { inbox.deliver(event) })),
            Err(_) => inbox.deliver(event),
        }
        Error::LoggedOut {
            code: code.to_owned(),
        }
    }

    /// Forgets the login; its refresh token, to revoke it.
    pub(crate) async fn clear(&self) -> Option<String> {
        self.login.lock().await.take().map(|l| l.refresh_token)
    }
}
