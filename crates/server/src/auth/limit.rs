//! Rate limits on the shared state (so they hold across nodes on Redis): a plain check that
//! answers 429 `rate_limited` with `Retry-After`, and the per-account login lockout.
//!
//! Keys: `limit:login:<address>`, `limit:register:<address>`, `limit:api:<player>`,
//! `limit:login-failures:<subject>` and the lock `login-lock:<subject>`, where the subject is
//! the player's id when the account exists and the login text otherwise, so a missing account
//! is locked out exactly like a real one.

use std::time::Duration;

use rally_state::{Quota, State};

use crate::http::ApiError;

/// Counts one request for `key`; 429 when over `quota`.
pub async fn check(state: &State, key: &str, quota: Quota) -> Result<(), ApiError> {
    let decision = state
        .rate_limit(key, quota)
        .await
        .map_err(ApiError::state)?;
    if decision.allowed {
        Ok(())
    } else {
        Err(rate_limited(decision.retry_after))
    }
}

/// A 429 for a wait of `wait` (rounded up to whole seconds, at least one).
pub fn rate_limited(wait: Duration) -> ApiError {
    let whole = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ApiError::RateLimited {
        retry_after_s: whole.max(1),
    }
}

/// 429 while the login subject is locked out after too many failures.
pub async fn check_login_lock(state: &State, subject: &str) -> Result<(), ApiError> {
    match state
        .ttl(&format!("login-lock:{subject}"))
        .await
        .map_err(ApiError::state)?
    {
        Some(left) => Err(rate_limited(left)),
        None => Ok(()),
    }
}

/// Counts a failed login of `subject`; when that uses up the allowance, locks the subject
/// until one more attempt is allowed.
pub async fn record_login_failure(
    state: &State,
    subject: &str,
    quota: Quota,
) -> Result<(), ApiError> {
    let decision = state
        .rate_limit(&format!("limit:login-failures:{subject}"), quota)
        .await
        .map_err(ApiError::state)?;
    let lock_for = if !decision.allowed {
        decision.retry_after
    } else if decision.remaining == 0 {
        // GCRA: the last cell was just used; the next refills one interval after the rest.
        decision
            .reset_after
            .saturating_sub(quota.interval() * quota.burst().saturating_sub(1))
    } else {
        return Ok(());
    };
    state
        .set_with_ttl(
            &format!("login-lock:{subject}"),
            b"1",
            lock_for.max(Duration::from_secs(1)),
        )
        .await
        .map_err(ApiError::state)
}
