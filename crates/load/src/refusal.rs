//! A call the node refused for now, as the bench's players and game servers see it.

use std::{fmt, time::Duration};

use reqwest::StatusCode;

use crate::client::Reply;

/// A call the node refused for now (503 or 429), with the wait it asked for: the player (or
/// its game server) waits that long before trying again, as Rally's clients do, rather than
/// adding to the load that made the node refuse.
#[derive(Debug)]
pub struct Refused {
    /// 503 or 429.
    pub status: StatusCode,
    /// How long the node asked the caller to wait.
    pub after: Duration,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refused with {}; retry after {:?}",
            self.status, self.after
        )
    }
}

impl std::error::Error for Refused {}

impl Refused {
    /// The refusal `reply` is, if it is one; a refusal that names no wait asks for `otherwise`.
    pub fn of(reply: &Reply, otherwise: Duration) -> Option<Refused> {
        let refused = matches!(
            reply.status,
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS
        );
        refused.then(|| Refused {
            status: reply.status,
            after: reply.retry_after.unwrap_or(otherwise),
        })
    }
}
