//! NATS going away and coming back: the bus reports it down while it is down and works again
//! once it returns, with the same client (no restart of Rally).
//!
//! This test runs its own NATS server (the `nats-server` binary, or RALLY_TEST_NATS_SERVER) on
//! a free port with a throw-away storage directory, because it has to stop and start it.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rally_events::{ConsumerOptions, Events, EventsError, Stream};
use tokio::time::{Instant, sleep};

const PATIENCE: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(200);

/// A NATS server owned by this test; killed and its storage removed on drop.
struct OwnNats {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl OwnNats {
    fn start() -> OwnNats {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let dir = std::env::temp_dir().join(format!("rally-events-{}", uuid::Uuid::new_v4()));
        let mut nats = OwnNats {
            child: None,
            port,
            dir,
        };
        nats.restart();
        nats
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn restart(&mut self) {
        let bin = std::env::var("RALLY_TEST_NATS_SERVER").unwrap_or_else(|_| "nats-server".into());
        let child = Command::new(&bin)
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start the NATS server binary {bin:?} ({e}); install nats-server \
                     or set RALLY_TEST_NATS_SERVER to its path"
                )
            });
        self.child = Some(child);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnNats {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn until_up(url: &str) -> Events {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match Events::nats(url, "rally_recovery").await {
            Ok(events) => return events,
            Err(e) => assert!(Instant::now() < deadline, "own NATS never came up: {e}"),
        }
        sleep(POLL).await;
    }
}

async fn until_ping(events: &Events, up: bool) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let started = Instant::now();
        let result = events.ping().await;
        // Ping is bounded whatever the server does.
        assert!(started.elapsed() < Duration::from_secs(10), "ping hung");
        match (&result, up) {
            (Ok(_), true) | (Err(EventsError::Unavailable(_)), false) => return,
            _ => assert!(
                Instant::now() < deadline,
                "ping still {result:?}, waited for up={up}"
            ),
        }
        sleep(POLL).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bus_reports_nats_down_while_it_is_down_and_recovers_by_itself() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut nats = OwnNats::start();
    let events = until_up(&nats.url()).await;
    until_ping(&events, true).await;
    events
        .publish_durable(Stream::MatchCreated, "before", b"before".to_vec(), None)
        .await
        .unwrap();
    let mut pushes = events.subscribe("player.1").await.unwrap();

    nats.stop();
    until_ping(&events, false).await;
    let refused = events
        .publish_durable(Stream::MatchCreated, "during", vec![], None)
        .await;
    assert!(matches!(refused, Err(EventsError::Unavailable(_))));

    nats.restart();
    until_ping(&events, true).await;
    events
        .publish_durable(Stream::MatchCreated, "after", b"after".to_vec(), None)
        .await
        .unwrap();
    let mut consumer = events
        .consumer(
            Stream::MatchCreated,
            "sessions",
            ConsumerOptions {
                ack_wait: Duration::from_secs(60),
                poll_wait: Duration::from_secs(1),
                batch: 1,
            },
        )
        .await
        .unwrap();
    let mut keys = Vec::new();
    while let Some(delivery) = consumer.next().await.unwrap() {
        delivery.ack().await.unwrap();
        keys.push(delivery.key().to_owned());
    }
    assert_eq!(keys, ["before", "after"]);

    // The subscription made before the outage was renewed on reconnect.
    events.publish("player.1", b"hello".to_vec()).await.unwrap();
    let message = tokio::time::timeout(PATIENCE, pushes.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(message.payload, b"hello");
}
