//! Rally's durable data: one [`Store`] over SQLite (embedded mode) or PostgreSQL (scaled mode).
//!
//! The same SQL text runs on both databases wherever possible (SQLite accepts `$1`
//! placeholders); the few statements that differ live next to each other. Queries are checked
//! at run time and every one of them is exercised by the conformance suite
//! (`tests/conformance/`), which runs each test against both databases.
//!
//! Uniqueness, references and value rules are decided by the database (constraints named the
//! same on both); the store maps their violations to [`StoreError::Conflict`] and
//! [`StoreError::Invalid`]. Events are written to the outbox in the same [`Transaction`] as the
//! change they describe.
//!
//! Representations: ids are uuid v7 made in Rust (`uuid` on PostgreSQL, 16-byte BLOB on
//! SQLite, which sorts by creation time); times are [`Timestamp`] (`timestamptz`, or fixed-width
//! UTC text on SQLite); json is `jsonb` or checked TEXT.
//!
//! # Layout
//!
//! - `store`: [`Store`]: connecting, migrations, ping, transactions; the pool enum the other
//!   modules dispatch on (with the `on_pool!` / `on_tx!` macros below).
//! - `transaction`: [`Transaction`], for changes that must commit together with their events.
//! - `write_turns`: turns at the store, and [`sheddable`] work refused before it waits
//!   ([`unsheddable`] inside it waits its turn).
//! - `error`: [`StoreError`] and the mapping of constraint violations.
//! - `timestamp`: [`Timestamp`], a time that sorts on both databases.
//! - `player`: players and their credentials.
//! - `profile`: changes to a player: profile fields, password, status.
//! - `ban`: bans, why and until when, set and lifted with the player's status.
//! - `friendship`: friendships and friend requests, one row per pair of players.
//! - `party`: parties and their members.
//! - `party_change`: changes under the party's row lock: lead, readiness, the ready check.
//! - `party_invite`: invitations to a party and their expiry.
//! - `ticket`: queue tickets and their members.
//! - `matches`: matches and their participants.
//! - `acceptance`: the accept step of a found match, and each player's answer.
//! - `cooldown`: queue cooldowns of players who declined a found match.
//! - `match_batch`: a matchmaker round's matches written together.
//! - `backfill`: running matches' requests for players.
//! - `season`: seasons (one active at a time).
//! - `session`: game sessions, their state machine and its stored transitions.
//! - `rating`: ratings per player, season and mode.
//! - `leaderboard`: the materialized standings, refreshed and read by page.
//! - `outbox`: events waiting to be published.
//! - `refresh_token`: hashed refresh tokens in rotating families.
//! - [`seed`](mod@seed): demo data for a fresh installation ([`seed()`] runs it); `seed::plan`
//!   computes its content (Weng-Lin via `skillratings`) without the database.
//!
//! Migrations live in `migrations/sqlite` and `migrations/postgres` and are embedded in the
//! binary.

/// Runs `$body` once per backend with `$pool` bound to the concrete pool (`&SqlitePool` or
/// `&PgPool`), so one body serves both databases with concrete types.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` once per backend with `$conn` bound to the transaction's concrete connection
/// (`&mut SqliteConnection` or `&mut PgConnection`); use it as `&mut *$conn`.
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut $tx.inner {
            $crate::transaction::Inner::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::transaction::Inner::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

/// Defines a fieldless enum stored as text, bound and read directly by sqlx on both databases
/// (unknown text is refused with [`UnknownValue`]).
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// The text stored in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::error::UnknownValue;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                match value.as_str() {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::error::UnknownValue(value)),
                }
            }
        }

        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            String: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <String as sqlx::Encode<'q, DB>>::encode(self.as_str().to_owned(), buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            String: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <String as sqlx::Decode<'r, DB>>::decode(value)?;
                Ok(Self::try_from(text)?)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Runs `$call` (an expression using the transaction `$tx`) in a new transaction of `$store`
/// and commits it: the [`Store`] form of a [`Transaction`] method.
macro_rules! in_transaction {
    ($store:expr, $tx:ident => $call:expr) => {{
        let mut $tx = $store.begin().await?;
        let out = $call.await?;
        $tx.commit().await?;
        Ok(out)
    }};
}

mod acceptance;
mod announced_ticket;
mod appeal;
mod audit;
mod backfill;
mod ban;
mod block;
mod chat;
mod cooldown;
mod error;
mod friendship;
mod leaderboard;
mod match_batch;
mod matches;
mod operator;
mod outbox;
mod party;
mod party_change;
mod party_invite;
mod player;
mod player_search;
mod profile;
mod queue_standing;
mod rating;
mod rating_batch;
mod refresh_token;
mod report;
mod sanction;
mod season;
pub mod seed;
mod session;
mod session_batch;
mod store;
mod ticket;
mod timestamp;
mod transaction;
mod voice_room;
mod write_turns;

pub use acceptance::{Acceptance, AcceptanceState, PlayerAcceptance};
pub use appeal::{Appeal, AppealState};
pub use audit::{AuditEntry, NewAuditEntry};
pub use backfill::{Backfill, BackfillState, NewBackfill};
pub use ban::{Ban, status_at};
pub use block::BlockEntry;
pub use chat::{ChatKind, ChatReportEntry, NewChatMessage, StoredChatMessage, UnreadDirect};
pub use cooldown::QueueCooldown;
pub use error::{SQLITE_FOREIGN_KEY, StoreError, UnknownValue};
pub use friendship::{FriendCounts, FriendEntry, Friendship, FriendshipState, Whereabouts};
pub use leaderboard::LeaderboardEntry;
pub use match_batch::TicketClaim;
pub use matches::{
    MatchRecord, MatchState, NewMatch, NewParticipant, Outcome, Participant, ParticipantOutcome,
};
pub use operator::{NewOperator, Operator, OperatorRole};
pub use outbox::{NewEvent, OutboxEvent, OutboxTurn};
pub use party::{NewParty, Party, PartyMember, PartyState, ReadyCheckState};
pub use party_invite::{InviteState, NewPartyInvite, PartyInvite};
pub use player::{NewPlayer, Player, PlayerCredentials, PlayerStatus};
pub use profile::ProfileChange;
pub use queue_standing::QueueStanding;
pub use rating::{Rating, RatingKey, RatingValue};
pub use rating_batch::{ParticipantRating, RatingWrite};
pub use refresh_token::{NewRefreshToken, RefreshToken};
pub use report::{
    NewReport, Report, ReportCategory, ReportCounts, ReportFilter, ReportNote, ReportState,
    ReporterRecord,
};
pub use sanction::{NewSanction, SUPERSEDED, Sanction, SanctionKind};
pub use season::{Season, SeasonState};
pub use seed::{DEMO_PASSWORD, SeedReport, Tally, seed};
pub use session::{EndReason, GameSession, SessionState, SessionTransition};
pub use store::{Backend, Store};
pub use ticket::{NewTicket, Ticket, TicketChange, TicketState};
pub use timestamp::Timestamp;
pub use transaction::Transaction;
pub use write_turns::{sheddable, unsheddable};

/// A new id: a uuid v7, so ids sort by creation time on both databases.
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
