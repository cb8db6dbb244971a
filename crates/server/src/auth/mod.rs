//! Authentication: access tokens (JWT), refresh-token secrets, the authenticated-player
//! extractor, the client's address and rate limits.
//!
//! - [`access_token`]: issuing and verifying JWTs, with key ids for rotation.
//! - [`refresh_secret`]: generating refresh tokens and hashing them for the store.
//! - [`authenticated`]: [`AuthenticatedPlayer`], the player's status check and its cache.
//! - [`client_address`]: [`ClientAddress`], honouring `X-Forwarded-For` from trusted proxies.
//! - [`limit`]: rate limits and the login lockout on the shared state.

pub mod access_token;
pub mod authenticated;
pub mod client_address;
pub mod limit;
pub mod refresh_secret;

pub use access_token::AccessTokens;
pub use authenticated::AuthenticatedPlayer;
pub use client_address::ClientAddress;
