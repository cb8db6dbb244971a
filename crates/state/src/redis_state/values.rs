//! Values with a TTL: plain `SET … PX`, `SET … NX PX`, `GET`, `MGET`, `DEL`, `GETEX … PX`,
//! `PTTL`, and a compare-and-delete script.

use std::time::Duration;

use super::{RedisState, script::DELETE_IF};
use crate::StateError;

impl RedisState {
    pub(crate) async fn set_with_ttl(
        &self,
        key: &str,
        value: &[u8],
        ttl_ms: u64,
    ) -> Result<(), StateError> {
        let key = self.key("v", key);
        self.bounded(|mut c| async move {
            redis::cmd("SET")
                .arg(&key)
                .arg(value)
                .arg("PX")
                .arg(ttl_ms)
                .query_async::<()>(&mut c)
                .await
        })
        .await
    }

    pub(crate) async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl_ms: u64,
    ) -> Result<bool, StateError> {
        let key = self.key("v", key);
        let reply: Option<String> = self
            .bounded(|mut c| async move {
                redis::cmd("SET")
                    .arg(&key)
                    .arg(value)
                    .arg("NX")
                    .arg("PX")
                    .arg(ttl_ms)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        Ok(reply.is_some())
    }

    pub(crate) async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StateError> {
        let key = self.key("v", key);
        self.bounded(|mut c| async move { redis::cmd("GET").arg(&key).query_async(&mut c).await })
            .await
    }

    pub(crate) async fn get_all(
        &self,
        keys: &[String],
    ) -> Result<Vec<Option<Vec<u8>>>, StateError> {
        let keys: Vec<String> = keys.iter().map(|key| self.key("v", key)).collect();
        self.bounded(|mut c| async move { redis::cmd("MGET").arg(&keys).query_async(&mut c).await })
            .await
    }

    pub(crate) async fn delete(&self, key: &str) -> Result<bool, StateError> {
        let key = self.key("v", key);
        let removed: u64 = self
            .bounded(|mut c| async move { redis::cmd("DEL").arg(&key).query_async(&mut c).await })
            .await?;
        Ok(removed > 0)
    }

    pub(crate) async fn delete_if(&self, key: &str, expected: &[u8]) -> Result<bool, StateError> {
        let key = self.key("v", key);
        let removed: u64 = self
            .bounded(
                |mut c| async move { DELETE_IF.key(&key).arg(expected).invoke_async(&mut c).await },
            )
            .await?;
        Ok(removed > 0)
    }

    pub(crate) async fn renew(
        &self,
        key: &str,
        ttl_ms: u64,
    ) -> Result<Option<Vec<u8>>, StateError> {
        let key = self.key("v", key);
        self.bounded(|mut c| async move {
            redis::cmd("GETEX")
                .arg(&key)
                .arg("PX")
                .arg(ttl_ms)
                .query_async(&mut c)
                .await
        })
        .await
    }

    pub(crate) async fn ttl(&self, key: &str) -> Result<Option<Duration>, StateError> {
        let key = self.key("v", key);
        let ms: i64 = self
            .bounded(|mut c| async move { redis::cmd("PTTL").arg(&key).query_async(&mut c).await })
            .await?;
        // -2: no such key; -1: no TTL, which this crate never writes.
        Ok(u64::try_from(ms).ok().map(Duration::from_millis))
    }
}
