//! Connections are bounded: idle, half-sent and kept-alive connections are closed after their
//! deadlines, a node at its open-files limit still serves a player, and `/metrics` can move to
//! an address of its own. Each test runs a real `rally serve` process.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use support::{Node, free_port, http};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Reads until the server closes the connection; the bytes it sent, or `None` when it kept
/// the connection open for `patience`.
async fn until_closed(stream: &mut TcpStream, patience: Duration) -> Option<Vec<u8>> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(patience, stream.read_to_end(&mut received)).await;
    match read {
        Ok(_) => Some(received),
        Err(_) => None,
    }
}

#[tokio::test]
async fn half_sent_headers_idle_and_kept_alive_connections_are_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::embedded(dir.path(), &[("RALLY_HTTP_HEADER_TIMEOUT_MS", "300")]);
    let patience = Duration::from_secs(10);

    let mut half = TcpStream::connect(node.addr).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nhost: rally\r\nx-slow: ")
        .await
        .unwrap();
    let started = Instant::now();
    assert!(
        until_closed(&mut half, patience).await.is_some(),
        "a connection with half a header stayed open"
    );
    eprintln!("half a header: closed after {:?}", started.elapsed());

    let mut idle = TcpStream::connect(node.addr).await.unwrap();
    assert!(
        until_closed(&mut idle, patience).await.is_some(),
        "a connection that never sent a byte stayed open"
    );

    let mut kept = TcpStream::connect(node.addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nhost: rally\r\n\r\n")
        .await
        .unwrap();
    let answer = until_closed(&mut kept, patience)
        .await
        .expect("an idle keep-alive connection stayed open");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn a_body_that_never_arrives_whole_is_given_up_after_the_body_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::embedded(dir.path(), &[("RALLY_HTTP_BODY_TIMEOUT_MS", "300")]);
    let mut slow = TcpStream::connect(node.addr).await.unwrap();
    slow.write_all(
        b"POST /v1/auth/login HTTP/1.1\r\nhost: rally\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"login\":",
    )
    .await
    .unwrap();
    let answer = until_closed(&mut slow, Duration::from_secs(10))
        .await
        .expect("a request whose body stalls held its connection");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("bad_json"), "{answer}");
}

/// 1,100 idle connections to a node whose open-files limit is 1,024: without a cap the node
/// runs out of descriptors and serves nobody until the attacker leaves. With it, the oldest
/// idle connections make way and a player is served at once.
#[tokio::test]
async fn idle_connections_beyond_the_file_limit_do_not_lock_a_player_out() {
    // A long header timeout, so only the cap can free the idle connections.
    idle_flood(&[("RALLY_HTTP_HEADER_TIMEOUT_MS", "120000")], true).await;
}

/// The same flood with a cap set above the open-files limit: accepting fails for want of file
/// descriptors, and the node frees the oldest connection and backs off instead of spinning.
#[tokio::test]
async fn running_out_of_file_descriptors_frees_the_oldest_connection() {
    idle_flood(
        &[
            ("RALLY_HTTP_HEADER_TIMEOUT_MS", "120000"),
            ("RALLY_MAX_CONNECTIONS", "5000"),
        ],
        false,
    )
    .await;
}

/// Opens 1,100 idle connections to a node limited to 1,024 files, then checks a player is
/// served (and, with `register`, that the node still has room for its own files).
async fn idle_flood(settings: &[(&str, &str)], register: bool) {
    rlimit::increase_nofile_limit(4096).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let node = Node::embedded_with_file_limit(dir.path(), settings, 1024);
    let mut idle = Vec::new();
    for _ in 0..1_100 {
        match TcpStream::connect(node.addr).await {
            Ok(stream) => idle.push(stream),
            Err(error) => panic!("connect {}: {error}", idle.len()),
        }
    }
    // Let the node accept what it will.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let started = Instant::now();
    let answer = tokio::time::timeout(
        Duration::from_secs(20),
        http(node.addr, "GET", "/healthz", None, None),
    )
    .await
    .expect("the player was locked out by idle connections");
    let elapsed = started.elapsed();
    assert_eq!(answer.0, 200);
    eprintln!("a player's request with 1,100 idle connections open: {elapsed:?}");
    if !register {
        return;
    }
    // And the node keeps serving: a registration touches the store and its files.
    let (status, body) = tokio::time::timeout(
        Duration::from_secs(20),
        http(
            node.addr,
            "POST",
            "/v1/auth/register",
            None,
            Some(serde_json::json!({
                "username": "still_served",
                "email": "still_served@example.com",
                "password": "correct horse battery",
            })),
        ),
    )
    .await
    .expect("registration hung");
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn metrics_move_to_their_own_address_when_configured() {
    let dir = tempfile::tempdir().unwrap();
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let node = Node::embedded(
        dir.path(),
        &[("RALLY_METRICS_LISTEN", metrics_addr.as_str())],
    );
    let (status, body) = http(node.addr, "GET", "/metrics", None, None).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["code"], "not_found");

    let mut stream = TcpStream::connect(metrics_addr.as_str()).await.unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nhost: rally\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).await.unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("rally_http_requests_total"), "{text}");
    let (status, _) = http(metrics_addr.parse().unwrap(), "GET", "/healthz", None, None).await;
    assert_eq!(status, 404, "the private address serves /metrics only");
}
