//! The account rules, below the handlers: the [`Accounts`] service. Handlers in `routes::auth`
//! and `routes::profile` parse, call one function here and answer; the bearer extractor calls
//! [`Accounts::authenticate`].
//!
//! - [`registration`]: a new player, its first login and its `player.registered` event.
//! - [`login`]: password login with per-account lockout, the same work whether or not the
//!   account exists.
//! - [`session`]: starting a login (token pair), rotating its refresh token, logout.
//! - [`profile`]: reading and changing profiles (`profile.updated`), public profiles, status.
//! - [`ban`]: bans and what they do at once: tokens, party, ticket, sockets on every node.
//! - [`status`]: an account's status (active, banned, disabled) and its cache.
//! - [`limit`]: rate limits and the login lockout on the shared state.
//! - [`access_token`]: issuing and verifying JWTs, with key ids for rotation.
//! - [`scoped_token`]: short-lived tokens of one scope (operators; a banned player's appeals).
//! - [`refresh_secret`]: generating refresh tokens and hashing them for the store.
//! - [`password`]: argon2id hashing off the async runtime, bounded to the node's cores.

pub mod access_token;
pub mod ban;
mod error;
pub mod limit;
pub mod login;
pub mod password;
pub mod profile;
pub mod refresh_secret;
pub mod registration;
pub mod scoped_token;
pub mod session;
pub mod status;

pub use access_token::{AccessTokens, Verified};
pub use error::AccountsError;

use std::{net::IpAddr, sync::Arc};

use rally_protocol::PlayerProfile;
use rally_state::State;
use rally_store::{Player, Store};
use uuid::Uuid;

use crate::settings::AccountSettings;
use password::Hasher;
use scoped_token::ScopedTokens;

/// The accounts service: what it uses is given when it is built (the store, the state backend
/// for rate limits, lockouts and the status cache, the password hasher, the access-token
/// issuer, its settings section), and every call answers with an [`AccountsError`].
#[derive(Debug, Clone)]
pub struct Accounts {
    store: Store,
    state: State,
    hasher: Hasher,
    tokens: Arc<AccessTokens>,
    appeal_tokens: Arc<ScopedTokens>,
    settings: AccountSettings,
}

/// How long the appeal token a banned player's login answers lives.
pub const APPEAL_TOKEN_TTL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// A banned player's appeal token: good only for reading their sanctions and appealing them.
/// It never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct AppealToken(pub String);

impl std::fmt::Debug for AppealToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppealToken(..)")
    }
}

impl Accounts {
    /// The service over these parts.
    pub fn new(
        store: Store,
        state: State,
        hasher: Hasher,
        tokens: AccessTokens,
        appeal_tokens: ScopedTokens,
        settings: AccountSettings,
    ) -> Self {
        Self {
            store,
            state,
            hasher,
            tokens: Arc::new(tokens),
            appeal_tokens: Arc::new(appeal_tokens),
            settings,
        }
    }

    /// The issuer and verifier of banned players' appeal tokens.
    pub fn appeal_tokens(&self) -> &ScopedTokens {
        &self.appeal_tokens
    }

    /// The access-token issuer and verifier.
    pub fn tokens(&self) -> &AccessTokens {
        &self.tokens
    }

    /// The service's settings section.
    pub fn settings(&self) -> &AccountSettings {
        &self.settings
    }

    /// Verifies an access token and admits its player: the account is neither banned nor
    /// disabled (read through the status cache), and the request is within the player's API
    /// budget.
    pub async fn authenticate(&self, token: &str) -> Result<Verified, AccountsError> {
        let verified = self.tokens.verify(token)?;
        self.admit(verified.player_id).await?;
        Ok(verified)
    }

    /// Admits the player of a verified token: the account is neither banned nor disabled
    /// (read through the status cache), and the request is within the player's API budget.
    pub async fn admit(&self, player_id: Uuid) -> Result<(), AccountsError> {
        // Both in flight at once, one round trip on Redis; a refused status wins over the
        // limit (a banned player hears that they are banned).
        let limit_key = format!("limit:api:{player_id}");
        let (active, within) = tokio::join!(
            status::ensure_active(&self.store, &self.state, player_id),
            limit::check(&self.state, &limit_key, self.settings.api_quota()),
        );
        active?;
        within
    }

    /// Caches the player's status as banned, so the next request is refused at once.
    pub async fn cache_banned(&self, player_id: Uuid) -> Result<(), AccountsError> {
        status::cache_banned(&self.state, player_id).await
    }

    /// Counts a registration from `address`; refused past the configured rate.
    async fn admit_registration(&self, address: IpAddr) -> Result<(), AccountsError> {
        let key = format!("limit:register:{address}");
        limit::check(&self.state, &key, self.settings.register_quota()).await
    }

    /// Counts a login attempt from `address`; refused past the configured rate.
    async fn admit_login(&self, address: IpAddr) -> Result<(), AccountsError> {
        let key = format!("limit:login:{address}");
        limit::check(&self.state, &key, self.settings.login_quota()).await
    }
}

/// A player's own profile, as answered to them.
pub fn own_profile(player: &Player) -> PlayerProfile {
    PlayerProfile {
        id: player.id,
        username: player.username.clone(),
        email: player.email.clone(),
        display_name: player.display_name.clone(),
        region: player.region.clone(),
        avatar_url: player.avatar_url.clone(),
        created_at: player.created_at.to_offset_date_time(),
        updated_at: player.updated_at.to_offset_date_time(),
    }
}
