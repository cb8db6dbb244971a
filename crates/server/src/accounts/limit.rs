//! Rate limits on the shared state (so they hold across nodes on Redis): a plain check that
//! refuses with [`AccountsError::RateLimited`] (429 `rate_limited` with `Retry-After`), and the
//! per-account login lockout.
//!
//! Keys: `limit:login:<address>`, `limit:register:<address>`, `limit:api:<player>`,
//! `limit:login-failures:<subject>` and the lock `login-lock:<subject>`, where the subject is
//! the player's id when the account exists and the login text otherwise, so a missing account
//! is locked out exactly like a real one.

use std::time::Duration;

use rally_state::{Quota, State};

use super::AccountsError;

/// Counts one request for `key`; refused when over `quota`.
pub async fn check(state: &State, key: &str, quota: Quota) -> Result<(), AccountsError> {
    let decision = state.rate_limit(key, quota).await?;
    if decision.allowed {
        Ok(())
    } else {
        Err(AccountsError::RateLimited {
            retry_after: decision.retry_after,
        })
    }
}

/// Refused while the login subject is locked out after too many failures.
pub async fn check_login_lock(state: &State, subject: &str) -> Result<(), AccountsError> {
    match state.ttl(&format!("login-lock:{subject}")).await? {
        Some(left) => Err(AccountsError::RateLimited { retry_after: left }),
        None => Ok(()),
    }
}

/// Counts a failed login of `subject`; when that uses up the allowance, locks the subject
/// until one more attempt is allowed.
pub async fn record_login_failure(
    state: &State,
    subject: &str,
    quota: Quota,
) -> Result<(), AccountsError> {
    let decision = state
        .rate_limit(&format!("limit:login-failures:{subject}"), quota)
        .await?;
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
        .await?;
    Ok(())
}
