//! Leases with fencing tokens: exclusive, expiring ownership of a named thing.
//!
//! A matchmaker node owns a bucket through a lease. Each time a lease is newly acquired (nobody
//! held it, or the last holder's lease expired or was released) its fencing token (`fence`) is
//! strictly greater than every token handed out before for that name, so a write carrying a
//! stale token can be refused downstream (Kleppmann, "How to do distributed locking", 2016).
//! Re-acquiring a lease one already holds extends it and keeps its token.
//!
//! Holder ids must be unique per process incarnation (for example a UUID made at start), or a
//! restarted node would inherit its previous life's lease and token.

use std::time::{Duration, Instant};

/// A lease granted to a holder.
///
/// The fencing token `fence` is strictly greater than every earlier one for the same name each
/// time the lease is newly acquired (free, lapsed or released before); re-acquiring a lease one
/// already holds extends it and keeps its token. Pass the token along with writes so a stale
/// owner's writes can be refused. Holder ids must be unique per process incarnation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The leased name (for a matchmaker, the bucket).
    pub name: String,
    /// Who holds it.
    pub holder: String,
    /// The fencing token: strictly increasing each time ownership is newly acquired.
    pub fence: u64,
    /// How long the lease was granted for.
    pub ttl: Duration,
    /// A conservative local deadline: the instant the request was sent plus `ttl`. The lease
    /// lasts at least until then on the backend, so stop acting as owner before it passes.
    pub valid_until: Instant,
}
