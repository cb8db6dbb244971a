//! The HTTP layer shared by every route: the error envelope, the extractors that use it, the
//! request id and the metrics middleware.

pub mod error;
pub mod extract;
pub mod metrics;
pub mod request_id;

pub use error::ApiError;
pub use extract::{Json, Path, Query};
