//! Wire types of Rally's REST and WebSocket APIs, shared by the server and the SDK so the two
//! cannot drift apart.
//!
//! Every type here is plain data with serde and OpenAPI (utoipa) derives; the only behaviour is
//! what client and server must agree on: the validation of account fields ([`account::field`])
//! and the signing of session tokens ([`session_token`]).
//!
//! # Layout
//! - [`account`]: registration, login, tokens and profiles, and the rules of their fields.
//! - [`problem`]: the error envelope, `application/problem+json` (RFC 9457) with a stable `code`.
//! - [`health`]: the readiness report of `GET /readyz`.
//! - [`block`]: players the caller blocked (`/v1/blocks/*`).
//! - [`chat`]: chat channels, their messages and history (`/v1/chat/*`).
//! - [`friend`]: friends, requests and their presence (`/v1/friends/*`).
//! - [`party`]: parties, their members, invites and ready checks (`/v1/party/*`).
//! - [`queue`]: queues, tickets, and the queue and match pushes (`/v1/queues`, `/v1/queue`).
//! - [`acceptance`]: the accept step of a found match (`/v1/matches/{id}/accept`, `decline`).
//! - [`rating`]: rating changes, match history and leaderboards.
//! - [`session`]: game sessions for players and for game servers, and their pushes.
//! - [`session_token`]: the format of session tokens, issued by Rally and verified by game
//!   servers offline with the shared key.
//! - [`voice`]: a party member's access to the party's voice room.
//! - [`gateway`]: the WebSocket gateway's frames (`/v1/ws`): requests, replies and pushes.
//! - [`event`]: the events roles hand each other on the bus, in their envelope.

pub mod acceptance;
pub mod account;
pub mod admin;
pub mod block;
pub mod chat;
pub mod event;
pub mod friend;
pub mod gateway;
pub mod health;
pub mod moderation;
pub mod operations;
pub mod party;
pub mod problem;
pub mod queue;
pub mod rating;
pub mod session;
pub mod session_token;
pub mod voice;

pub use acceptance::{AcceptanceState, MatchAcceptance};
pub use account::*;
pub use block::{BlockList, BlockedPlayer};
pub use chat::{
    ChatChange, ChatChangeKind, ChatHistory, ChatHistoryQuery, ChatMessage, ChatRead, ChatReport,
    ChatText, UnreadChannel, UnreadCounts,
};
pub use friend::{Friend, FriendChange, FriendList, FriendRequest, FriendState, PresenceStatus};
pub use health::{BackendHealth, Readiness};
pub use party::{
    CreatePartyRequest, Party, PartyInvite, PartyMember, PartyPlayerRequest, PartyState,
    ReadyCheck, ReadyCheckState, ReadyRequest,
};
pub use problem::{PROBLEM_CONTENT_TYPE, Problem};
pub use queue::{
    QualityBreakdown, QueueInfo, QueueList, QueueRequest, QueueTicket, RegionLatency, TicketState,
};
pub use voice::VoiceAccess;
