//! What the integration tests share: where the test Redis is, and per-test key prefixes.

#![allow(dead_code, clippy::unwrap_used)]

use rally_state::State;

/// The Redis the tests use: `RALLY_TEST_REDIS_URL`, or the local one.
pub fn redis_url() -> String {
    std::env::var("RALLY_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A key prefix no other test (or earlier run) uses.
pub fn fresh_prefix() -> String {
    format!("rally-test:{}:", uuid::Uuid::new_v4().simple())
}

/// A Redis-backed state under a fresh prefix; panics (fails the test) when Redis is unreachable.
pub async fn redis_state() -> (State, Cleanup) {
    let url = redis_url();
    let prefix = fresh_prefix();
    let state = State::redis(&url, &prefix).await.unwrap_or_else(|err| {
        panic!(
            "Redis is unreachable at {url} ({err}): start Redis, or point RALLY_TEST_REDIS_URL \
             at one"
        )
    });
    (state, Cleanup { url, prefix })
}

/// Deletes a test's keys once it is done (fence counters and sorted sets have no TTL).
#[derive(Debug)]
pub struct Cleanup {
    url: String,
    prefix: String,
}

impl Cleanup {
    /// Cleans up everything under `prefix` on the test Redis.
    pub fn new(prefix: &str) -> Self {
        Cleanup {
            url: redis_url(),
            prefix: prefix.to_owned(),
        }
    }

    pub async fn run(self) {
        let client = redis::Client::open(self.url.as_str()).unwrap();
        let mut connection = client.get_multiplexed_async_connection().await.unwrap();
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{}*", self.prefix))
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut connection)
                .await
                .unwrap();
            if !keys.is_empty() {
                redis::cmd("DEL")
                    .arg(&keys)
                    .query_async::<()>(&mut connection)
                    .await
                    .unwrap();
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
    }
}
