//! Wire types of Rally's REST and WebSocket APIs, shared by the server and the SDK so the two
//! cannot drift apart.
//!
//! Every type here is plain data with serde and OpenAPI (utoipa) derives; no behaviour lives here.
//!
//! # Layout
//! - [`problem`]: the error envelope, `application/problem+json` (RFC 9457) with a stable `code`.
//! - [`health`]: the readiness report of `GET /readyz`.

pub mod health;
pub mod problem;

pub use health::{BackendHealth, Readiness};
pub use problem::{PROBLEM_CONTENT_TYPE, Problem};
