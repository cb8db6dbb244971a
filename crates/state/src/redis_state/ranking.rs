//! Sorted sets. Scores are stored negated so Redis's own order is the leaderboard order (see
//! [`crate::ranking`]); every score read back is negated again.

use super::RedisState;
use super::script::AROUND;
use crate::StateError;
use crate::ranking::Ranked;

/// Redis takes ranks as signed 64-bit integers.
fn redis_rank(rank: u64) -> i64 {
    i64::try_from(rank).unwrap_or(i64::MAX)
}

/// Lua numbers are doubles: keep the radius where rank arithmetic stays exact.
const MAX_RADIUS: u64 = 1 << 50;

fn ranked(first: u64, pairs: Vec<(String, f64)>) -> Vec<Ranked> {
    pairs
        .into_iter()
        .zip(first..)
        .map(|((member, stored), rank)| Ranked {
            rank,
            member,
            score: -stored + 0.0,
        })
        .collect()
}

impl RedisState {
    pub(crate) async fn zadd(
        &self,
        set: &str,
        member: &str,
        score: f64,
    ) -> Result<bool, StateError> {
        let key = self.key("z", set);
        let added: u64 = self
            .bounded(|mut c| async move {
                redis::cmd("ZADD")
                    .arg(&key)
                    .arg(-score)
                    .arg(member)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        Ok(added == 1)
    }

    /// One `ZADD` of every pair.
    pub(crate) async fn zadd_all(
        &self,
        set: &str,
        members: &[(&str, f64)],
    ) -> Result<(), StateError> {
        let key = self.key("z", set);
        let _: u64 = self
            .bounded(|mut c| {
                let mut command = redis::cmd("ZADD");
                command.arg(&key);
                for (member, score) in members {
                    command.arg(-score).arg(*member);
                }
                async move { command.query_async(&mut c).await }
            })
            .await?;
        Ok(())
    }

    pub(crate) async fn zrem(&self, set: &str, member: &str) -> Result<bool, StateError> {
        let key = self.key("z", set);
        let removed: u64 = self
            .bounded(|mut c| async move {
                redis::cmd("ZREM")
                    .arg(&key)
                    .arg(member)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        Ok(removed == 1)
    }

    pub(crate) async fn zscore(&self, set: &str, member: &str) -> Result<Option<f64>, StateError> {
        let key = self.key("z", set);
        let stored: Option<f64> = self
            .bounded(|mut c| async move {
                redis::cmd("ZSCORE")
                    .arg(&key)
                    .arg(member)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        Ok(stored.map(|s| -s + 0.0))
    }

    pub(crate) async fn rank(&self, set: &str, member: &str) -> Result<Option<u64>, StateError> {
        let key = self.key("z", set);
        self.bounded(|mut c| async move {
            redis::cmd("ZRANK")
                .arg(&key)
                .arg(member)
                .query_async(&mut c)
                .await
        })
        .await
    }

    pub(crate) async fn range_by_rank(
        &self,
        set: &str,
        start: u64,
        stop: u64,
    ) -> Result<Vec<Ranked>, StateError> {
        if stop < start {
            return Ok(Vec::new());
        }
        let key = self.key("z", set);
        let pairs: Vec<(String, f64)> = self
            .bounded(|mut c| async move {
                redis::cmd("ZRANGE")
                    .arg(&key)
                    .arg(redis_rank(start))
                    .arg(redis_rank(stop))
                    .arg("WITHSCORES")
                    .query_async(&mut c)
                    .await
            })
            .await?;
        Ok(ranked(start, pairs))
    }

    pub(crate) async fn around(
        &self,
        set: &str,
        member: &str,
        radius: u64,
    ) -> Result<Vec<Ranked>, StateError> {
        let key = self.key("z", set);
        let radius = radius.min(MAX_RADIUS);
        let found: Option<(u64, Vec<(String, f64)>)> = self
            .bounded(|mut c| async move {
                AROUND
                    .key(&key)
                    .arg(member)
                    .arg(radius)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(found
            .map(|(first, pairs)| ranked(first, pairs))
            .unwrap_or_default())
    }

    pub(crate) async fn card(&self, set: &str) -> Result<u64, StateError> {
        let key = self.key("z", set);
        self.bounded(|mut c| async move { redis::cmd("ZCARD").arg(&key).query_async(&mut c).await })
            .await
    }

    pub(crate) async fn clear_set(&self, set: &str) -> Result<bool, StateError> {
        let key = self.key("z", set);
        let removed: u64 = self
            .bounded(|mut c| async move { redis::cmd("DEL").arg(&key).query_async(&mut c).await })
            .await?;
        Ok(removed > 0)
    }
}
