//! How the Redis backend behaves when Redis is not there: errors within the bounded timeout,
//! never a hang, and recovery by itself once Redis is back.

#![allow(clippy::unwrap_used)]

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use rally_state::{RedisConfig, State, StateError};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// Far longer than any configured timeout here: a call still running then has hung.
const HANG: Duration = Duration::from_secs(15);

fn config(url: &str) -> RedisConfig {
    RedisConfig::new(url)
        .key_prefix(support::fresh_prefix())
        .timeout(Duration::from_millis(500))
}

#[tokio::test]
async fn ping_with_nothing_listening_fails_as_unavailable_instead_of_hanging() {
    let state = State::redis_lazy(config("redis://127.0.0.1:1"))
        .await
        .unwrap();
    let result = tokio::time::timeout(HANG, state.ping())
        .await
        .expect("ping hung");
    assert!(
        matches!(result, Err(StateError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn connecting_with_nothing_listening_fails_as_unavailable() {
    let result = tokio::time::timeout(HANG, State::connect_redis(config("redis://127.0.0.1:1")))
        .await
        .expect("connect hung");
    assert!(
        matches!(result, Err(StateError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn operations_against_a_server_that_never_answers_time_out_as_unavailable() {
    // Accepts connections and never replies, like a Redis that is wedged.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let state = State::redis_lazy(config(&format!("redis://{addr}")))
        .await
        .unwrap();
    let ping = tokio::time::timeout(HANG, state.ping())
        .await
        .expect("ping hung");
    assert!(matches!(ping, Err(StateError::Unavailable(_))), "{ping:?}");
    let get = tokio::time::timeout(HANG, state.get("k"))
        .await
        .expect("get hung");
    assert!(matches!(get, Err(StateError::Unavailable(_))), "{get:?}");
    silent.abort();
}

#[tokio::test]
async fn a_bad_url_is_a_configuration_error() {
    let result = State::redis_lazy(RedisConfig::new("not a url")).await;
    assert!(matches!(result, Err(StateError::Config(_))), "{result:?}");
}

/// A TCP relay to the real Redis that the test can cut and restore on the same port.
struct Relay {
    addr: SocketAddr,
    upstream: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl Relay {
    async fn start(upstream: SocketAddr) -> Relay {
        let mut relay = Relay {
            addr: "127.0.0.1:0".parse().unwrap(),
            upstream,
            task: None,
        };
        relay.open();
        relay
    }

    /// Listens (again) on the relay's address; the first call picks a free port.
    fn open(&mut self) {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(self.addr).unwrap();
        let listener = socket.listen(64).unwrap();
        self.addr = listener.local_addr().unwrap();
        let upstream = self.upstream;
        self.task = Some(tokio::spawn(async move {
            // Dropping this set (when the task is aborted) drops every relayed connection.
            let mut connections = JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                connections.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        }));
    }

    /// Stops listening and drops every open connection: Redis is "down".
    async fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

async fn redis_socket_addr() -> SocketAddr {
    let url = support::redis_url();
    let hostport = url
        .trim_start_matches("redis://")
        .rsplit('@')
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    tokio::net::lookup_host(hostport.as_str())
        .await
        .unwrap_or_else(|err| {
            panic!("cannot resolve Redis {hostport} from RALLY_TEST_REDIS_URL: {err}")
        })
        .next()
        .unwrap()
}

#[tokio::test]
async fn ping_reports_redis_down_and_up_again_without_a_new_state() {
    let mut relay = Relay::start(redis_socket_addr().await).await;
    let state = State::connect_redis(config(&format!("redis://{}", relay.addr)))
        .await
        .unwrap_or_else(|err| {
            panic!("Redis is unreachable ({err}): start Redis, or set RALLY_TEST_REDIS_URL")
        });
    state
        .set_with_ttl("k", b"v", Duration::from_secs(60))
        .await
        .unwrap();

    relay.cut().await;
    let down = tokio::time::timeout(HANG, state.ping())
        .await
        .expect("ping hung");
    assert!(matches!(down, Err(StateError::Unavailable(_))), "{down:?}");
    let get = tokio::time::timeout(HANG, state.get("k"))
        .await
        .expect("get hung");
    assert!(matches!(get, Err(StateError::Unavailable(_))), "{get:?}");

    relay.open();
    let deadline = tokio::time::Instant::now() + HANG;
    while state.ping().await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "ping never recovered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state.get("k").await.unwrap().as_deref(), Some(&b"v"[..]));
    assert!(state.delete("k").await.unwrap());
    relay.cut().await;
}
