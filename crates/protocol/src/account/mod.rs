//! Accounts: registration, login, tokens and profiles ([`wire`]), and the rules their fields
//! follow ([`field`]), with the characters a shown name may not use ([`invisible`]).

pub mod field;
pub mod invisible;
pub mod wire;

pub use field::{AvatarUrl, DisplayName, Email, FieldError, Password, RegionName, Username};
pub use wire::{
    AuthResponse, LoginRequest, LogoutRequest, PlayerProfile, PublicProfile, RatingSummary,
    RefreshRequest, RegisterRequest, TokenPair, UpdateProfileRequest,
};
