//! The HTTP layer shared by every route: the accept loop and its connection limits, admission
//! (shedding load past a bound), the error envelope, the extractors that use it, the request id and the metrics middleware.

pub mod acceptor;
pub mod admission;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod request_id;

pub use error::ApiError;
pub use extract::{Json, Path, Query};
