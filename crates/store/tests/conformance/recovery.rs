//! PostgreSQL going away and coming back: the same store works again without a restart.

use std::net::SocketAddr;
use std::time::Duration;

use rally_store::{Store, StoreError};
use sqlx::Connection;
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;

use crate::harness::{TestDb, admin_url};

/// A TCP relay in front of PostgreSQL: stopping it is PostgreSQL going down for the store.
struct Relay {
    addr: SocketAddr,
    upstream: String,
    tasks: JoinSet<()>,
}

impl Relay {
    fn start(addr: SocketAddr, upstream: String) -> Relay {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(addr).unwrap();
        let listener = socket.listen(64).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut tasks = JoinSet::new();
        let target = upstream.clone();
        tasks.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Relay {
            addr,
            upstream,
            tasks,
        }
    }

    /// Closes the listener and every relayed connection (aborting the accept task drops its
    /// JoinSet of connections, which aborts them).
    async fn stop(mut self) -> (SocketAddr, String) {
        self.tasks.shutdown().await;
        (self.addr, self.upstream)
    }
}

/// `url` with its host and port replaced by `addr` (user, password and database kept).
fn through(url: &str, addr: SocketAddr) -> String {
    let start = url.find("://").unwrap() + 3;
    let end = url[start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| start + i);
    let authority = &url[start..end];
    let credentials = authority.rfind('@').map_or("", |at| &authority[..=at]);
    format!("{}{credentials}{addr}{}", &url[..start], &url[end..])
}

fn upstream_of(url: &str) -> String {
    let start = url.find("://").unwrap() + 3;
    let end = url[start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| start + i);
    let authority = &url[start..end];
    let host_port = authority
        .rfind('@')
        .map_or(authority, |at| &authority[at + 1..]);
    if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    }
}

#[test]
fn through_keeps_credentials_and_database() {
    let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
    assert_eq!(
        through("postgres://u:p@db:5432/x?a=b", addr),
        "postgres://u:p@127.0.0.1:9/x?a=b"
    );
    assert_eq!(upstream_of("postgres://u:p@db/x"), "db:5432");
}

#[tokio::test]
async fn ping_works_again_after_postgres_comes_back_without_a_new_store() {
    let url = admin_url();
    let relay = Relay::start("127.0.0.1:0".parse().unwrap(), upstream_of(&url));
    let store = Store::connect(&through(&url, relay.addr))
        .await
        .unwrap_or_else(|e| {
            panic!("PostgreSQL is unreachable ({e}); point RALLY_TEST_DATABASE_URL at one")
        });
    store.ping().await.unwrap();

    let (addr, upstream) = relay.stop().await;
    let down = tokio::time::timeout(Duration::from_secs(30), store.ping()).await;
    let down = down.expect("ping must not hang while PostgreSQL is down");
    assert!(matches!(down, Err(StoreError::Unavailable(_))), "{down:?}");

    let _relay = Relay::start(addr, upstream);
    let mut last = None;
    for _ in 0..20 {
        match store.ping().await {
            Ok(_) => return,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the store did not recover after PostgreSQL came back: {last:?}");
}

#[tokio::test]
async fn connections_ended_while_idle_are_unavailable_never_an_error_and_the_store_recovers() {
    let db = TestDb::postgres().await;
    let store = &db.store;
    // A few connections idle in the pool.
    let pings = tokio::join!(store.ping(), store.ping(), store.ping(), store.ping());
    assert!(
        pings.0.is_ok() && pings.1.is_ok() && pings.2.is_ok() && pings.3.is_ok(),
        "{pings:?}"
    );

    // As a restart or an operator would: PostgreSQL ends every connection of the database.
    let mut admin = sqlx::PgConnection::connect(&admin_url()).await.unwrap();
    let ended: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()) AS t",
    )
    .bind(db.postgres_name().unwrap())
    .fetch_one(&mut admin)
    .await
    .unwrap();
    assert!(ended >= 1, "the pool had connections to end");

    // Each dead connection fails one statement as unavailable (a 503), never as another
    // error (a 500); then the store works again without a restart.
    let mut unavailable = 0;
    for _ in 0..20 {
        match store.ping().await {
            Ok(_) => return,
            Err(StoreError::Unavailable(_)) => unavailable += 1,
            Err(other) => panic!("a lost connection must read as unavailable: {other:?}"),
        }
    }
    panic!("the store did not recover: {unavailable} statements in a row were unavailable");
}
