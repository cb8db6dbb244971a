//! Where a test's nodes keep their data: the embedded backends, or a fresh PostgreSQL
//! database and a random namespace on the shared Redis (both removed or left to expire after).

use rally_clock::Clock;

use crate::harness::{TestApp, spawn_app_on};
use crate::readiness::{drop_database, env_or, fresh_database};

pub enum Backend {
    Embedded,
    Networked {
        database_name: String,
        database_url: String,
        redis_url: String,
        namespace: String,
        signing_key: String,
    },
}

impl Backend {
    pub fn embedded() -> Self {
        Backend::Embedded
    }

    pub async fn networked() -> Self {
        let (database_name, database_url) = fresh_database().await;
        Backend::Networked {
            database_name,
            database_url,
            redis_url: env_or("RALLY_TEST_REDIS_URL", "redis://127.0.0.1:6379"),
            namespace: format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
            // Nodes of one deployment share the signing key (each test node would generate its own).
            signing_key: format!("test-key-{}", uuid::Uuid::new_v4().simple()),
        }
    }

    /// A node on this backend with extra settings. Networked nodes of one backend share the
    /// database and the Redis namespace, like nodes of one deployment.
    pub async fn spawn(&self, extra: &[(&str, &str)]) -> TestApp {
        self.spawn_on(Clock::system(), extra).await
    }

    /// [`Backend::spawn`] on `clock` (a manual clock: deadlines pass when the test advances it).
    pub async fn spawn_on(&self, clock: Clock, extra: &[(&str, &str)]) -> TestApp {
        let mut settings: Vec<(&str, String)> =
            extra.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        if let Backend::Networked {
            database_url,
            redis_url,
            namespace,
            signing_key,
            ..
        } = self
        {
            settings.push(("token_signing_key", signing_key.clone()));
            settings.push(("database_url", database_url.clone()));
            settings.push(("redis_url", redis_url.clone()));
            settings.push(("namespace", namespace.clone()));
        }
        spawn_app_on(clock, &settings).await
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Backend::Networked { database_name, .. } = self {
            let name = database_name.clone();
            // Drop cannot await, and also runs when the test panicked: use a runtime of its own.
            let _ = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(drop_database(&name));
            })
            .join();
        }
    }
}
