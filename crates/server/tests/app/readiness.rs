//! Readiness on the networked backends: PostgreSQL, Redis and NATS. The node gets a fresh
//! PostgreSQL database and a Redis server of its own (on a free port), so stopping that Redis
//! disturbs no other test.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use sqlx::{Connection, Executor, PgConnection};

use crate::harness::{TestApp, spawn_app};

pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// A fresh, empty PostgreSQL database; its name and URL.
pub async fn fresh_database() -> (String, String) {
    let admin = env_or(
        "RALLY_TEST_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    );
    let mut connection = PgConnection::connect(&admin).await.unwrap_or_else(|e| {
        panic!("PostgreSQL is unreachable at RALLY_TEST_DATABASE_URL={admin}: {e}")
    });
    let name = format!("rally_test_{}", uuid::Uuid::new_v4().simple());
    connection
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    let url = format!("{base}/{name}");
    (name, url)
}

pub async fn drop_database(name: &str) {
    let admin = env_or(
        "RALLY_TEST_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    );
    if let Ok(mut connection) = PgConnection::connect(&admin).await {
        let _ = connection
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .await;
    }
}

/// A private redis-server on a free port, killed when dropped.
struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = Self { port, child: None };
        redis.restart();
        redis
    }

    fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is not installed (scripts/services installs it)");
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the private redis-server did not start on port {}",
            self.port
        );
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn readiness_until(app: &TestApp, status: u16) -> serde_json::Value {
    let mut last = None;
    for _ in 0..120 {
        let answer = app.get("/readyz").await;
        if answer.status == status {
            return answer.json();
        }
        last = Some((
            answer.status,
            String::from_utf8_lossy(&answer.body).into_owned(),
        ));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("/readyz never answered {status}; last answer: {last:?}");
}

#[tokio::test]
async fn readyz_names_redis_while_it_is_down_and_recovers_without_a_restart() {
    let (database_name, database) = fresh_database().await;
    let mut redis = PrivateRedis::start();
    let nats = env_or("RALLY_TEST_NATS_URL", "nats://127.0.0.1:4222");
    let namespace = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let app = spawn_app(&[
        ("database_url", database),
        ("redis_url", redis.url()),
        ("nats_url", nats),
        ("namespace", namespace),
        ("readiness_timeout_ms", "1000".to_owned()),
    ])
    .await;

    let ready = readiness_until(&app, 200).await;
    let names: Vec<&str> = ready["backends"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["postgres", "redis", "nats"]);

    redis.stop();
    let problem = readiness_until(&app, 503).await;
    assert_eq!(problem["code"], "not_ready");
    assert!(
        problem["detail"].as_str().unwrap().contains("redis"),
        "{problem}"
    );
    let down: Vec<&str> = problem["backends"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["ok"] == false)
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(down, ["redis"]);

    redis.restart();
    readiness_until(&app, 200).await;

    app.state()
        .backends()
        .events
        .delete_streams()
        .await
        .unwrap();
    drop(app);
    drop_database(&database_name).await;
}
