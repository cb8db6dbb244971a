//! Memory stays flat under churn: a node whose WebSockets come and go in waves holds no more
//! (within 4 %) after the tenth wave than after the second (the in-process fan-out forgets
//! subscribers whose sockets are gone, even when nothing is ever pushed to them again).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use futures::future::join_all;
use support::{Node, Socket, http};

/// The resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}

/// The node's `rally_ws_sessions` gauge.
async fn sessions(node: &Node) -> f64 {
    let mut stream = tokio::net::TcpStream::connect(node.addr).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nhost: rally\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).await.unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix("rally_ws_sessions "))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

/// Opens `sockets` WebSockets at once, drops them, and waits until the node has ended every
/// session.
async fn wave(node: &Node, token: &str, sockets: usize) {
    let open: Vec<Socket> = join_all((0..sockets).map(|_| Socket::connect(node.addr, token)))
        .await
        .into_iter()
        .map(|(socket, _)| socket)
        .collect();
    drop(open);
    let deadline = Instant::now() + Duration::from_secs(30);
    while sessions(node).await > 0.0 {
        assert!(Instant::now() < deadline, "sessions did not end");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(http(node.addr, "GET", "/healthz", None, None).await.0, 200);
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waves_of_websockets_leave_memory_flat() {
    const WAVES: usize = 10;
    const SOCKETS: usize = 1_000;
    rlimit::increase_nofile_limit(8192).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let node = Node::embedded(
        dir.path(),
        &[
            ("RALLY_API_LIMIT_PER_MINUTE", "1000000"),
            ("RALLY_MAX_REQUESTS_IN_FLIGHT", "100000"),
            ("RALLY_BACKEND_TIMEOUT_MS", "10000"),
            // Sessions end with their socket, so each wave is gone before the next.
            ("RALLY_WS_RESUME_GRACE_S", "0"),
            // Two malloc arenas: what fragmentation adds across threads is not what is measured.
            ("MALLOC_ARENA_MAX", "2"),
        ],
    );
    let (_, token) = node.register("wave").await;
    let pid = node.child.id();
    // A first wave twice as large grows what grows with the peak and then stays (the database
    // pool's connections and their page caches, the runtime's threads), so the waves after it
    // measure what each wave leaves behind.
    wave(&node, &token, 2 * SOCKETS).await;
    let mut after = Vec::new();
    for _ in 0..WAVES {
        wave(&node, &token, SOCKETS).await;
        after.push(rss_kib(pid));
    }
    eprintln!("resident memory after each wave of {SOCKETS} sockets (KiB): {after:?}");
    let (second, last) = (after[1], after[WAVES - 1]);
    assert!(
        last <= second + second / 25,
        "memory grew from {second} KiB after the second wave to {last} KiB after the last"
    );
}
