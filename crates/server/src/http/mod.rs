//! The HTTP layer shared by every route: the accept loop and its connection limits, admission
//! (shedding load past a bound), the error envelope, the extractors that use it (the
//! authenticated player, the client's address), the request id and the metrics middleware.

pub mod acceptor;
pub mod admission;
pub mod appealing;
pub mod authenticated;
pub mod client_address;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod operator;
pub mod request_id;
mod service_errors;

pub use appealing::AppealingPlayer;
pub use authenticated::{AuthenticatedPlayer, VerifiedPlayer};
pub use client_address::ClientAddress;
pub use error::ApiError;
pub use extract::{Json, Path, Query};
pub use operator::AuthenticatedOperator;
