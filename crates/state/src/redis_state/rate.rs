//! The GCRA rate limit: one `EVALSHA` of [`super::script::RATE_LIMIT`].

use super::RedisState;
use super::script::RATE_LIMIT;
use crate::StateError;
use crate::rate::{Decision, Quota};

impl RedisState {
    pub(crate) async fn rate_limit(&self, key: &str, quota: Quota) -> Result<Decision, StateError> {
        let key = self.key("r", key);
        let (allowed, retry_after_us, remaining, reset_us): (u8, u64, u64, u64) = self
            .bounded(|mut c| async move {
                RATE_LIMIT
                    .key(&key)
                    .arg(quota.interval_us())
                    .arg(quota.tolerance_us())
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(Decision::from_micros(
            allowed == 1,
            retry_after_us,
            remaining,
            reset_us,
        ))
    }
}
