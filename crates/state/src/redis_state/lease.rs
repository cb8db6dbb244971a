//! Leases: one `EVALSHA` each, see [`super::script`].

use super::RedisState;
use super::script::{ACQUIRE_LEASE, RELEASE_LEASE, RENEW_LEASE};
use crate::StateError;

impl RedisState {
    pub(crate) async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl_ms: u64,
    ) -> Result<Option<u64>, StateError> {
        let (lease, fences) = (self.key("l", name), self.key("lf", name));
        self.bounded(|mut c| async move {
            ACQUIRE_LEASE
                .key(&lease)
                .key(&fences)
                .arg(holder)
                .arg(ttl_ms)
                .invoke_async(&mut c)
                .await
        })
        .await
    }

    pub(crate) async fn renew_lease(
        &self,
        name: &str,
        holder: &str,
        fence: u64,
        ttl_ms: u64,
    ) -> Result<bool, StateError> {
        let lease = self.key("l", name);
        let renewed: u8 = self
            .bounded(|mut c| async move {
                RENEW_LEASE
                    .key(&lease)
                    .arg(holder)
                    .arg(fence)
                    .arg(ttl_ms)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(renewed == 1)
    }

    pub(crate) async fn release_lease(
        &self,
        name: &str,
        holder: &str,
        fence: u64,
    ) -> Result<bool, StateError> {
        let lease = self.key("l", name);
        let released: u8 = self
            .bounded(|mut c| async move {
                RELEASE_LEASE
                    .key(&lease)
                    .arg(holder)
                    .arg(fence)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(released == 1)
    }
}
