//! The load balancer in front of a chaos run's api nodes, as a studio puts one in front of
//! theirs: each new TCP connection goes to the next node that accepts it, so a killed node
//! costs the connections it held, not the players who would have reached it.
//!
//! It can also degrade the path to one node, as a bad network would: every chunk of its
//! traffic, both ways, held 100 to 200 ms, and 2 % of them 200 ms more, as a segment lost and
//! sent again. (The kernel's `tc netem` would do it below TCP; not every kernel has it, and
//! what the players see, delayed and stalled messages, is the same.)

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{
        TcpListener, TcpStream,
        tcp::{OwnedReadHalf, OwnedWriteHalf},
    },
    task::JoinHandle,
};

/// How long a node has to accept a connection before the next is tried.
const CONNECT_WITHIN: Duration = Duration::from_millis(500);

/// A TCP balancer over a fixed set of nodes, stopped when dropped.
#[derive(Debug)]
pub struct Balancer {
    /// Where it listens.
    pub addr: SocketAddr,
    task: JoinHandle<()>,
    /// Whether the path to each node is degraded.
    degraded: Arc<Vec<AtomicBool>>,
}

impl Balancer {
    /// Listens on a free port of 127.0.0.1 and spreads connections over `nodes`.
    pub async fn start(nodes: Vec<SocketAddr>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let degraded: Arc<Vec<AtomicBool>> =
            Arc::new(nodes.iter().map(|_| AtomicBool::new(false)).collect());
        let nodes = Arc::new(nodes);
        let next = Arc::new(AtomicUsize::new(0));
        let flags = degraded.clone();
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let (nodes, next, flags) = (nodes.clone(), next.clone(), flags.clone());
                tokio::spawn(async move {
                    if let Some((node, outbound)) = connect(&nodes, &next).await {
                        let (from_client, to_client) = inbound.into_split();
                        let (from_node, to_node) = outbound.into_split();
                        let there = pump(from_client, to_node, flags.clone(), node);
                        let back = pump(from_node, to_client, flags, node);
                        tokio::join!(there, back);
                    }
                });
            }
        });
        Ok(Self {
            addr,
            task,
            degraded,
        })
    }

    /// Degrades the path to node `index` (in the order given), or restores it.
    pub fn degrade(&self, index: usize, degraded: bool) {
        if let Some(flag) = self.degraded.get(index) {
            flag.store(degraded, Ordering::Relaxed);
        }
    }
}

/// Forwards `from` to `to` until either closes, each chunk held first while the path to
/// `node` is degraded.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    degraded: Arc<Vec<AtomicBool>>,
    node: usize,
) {
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if degraded[node].load(Ordering::Relaxed) {
            tokio::time::sleep(lag()).await;
        }
        if to.write_all(&chunk[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// How long one chunk is held on a degraded path: 100 to 200 ms, and 200 ms more for 2 % of
/// them (a segment lost and sent again after TCP's shortest retransmission timeout).
fn lag() -> Duration {
    let mut ms = rand::random_range(100..=200);
    if rand::random_bool(0.02) {
        ms += 200;
    }
    Duration::from_millis(ms)
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A connection to the first node, in turn from the next one, that accepts within
/// [`CONNECT_WITHIN`], with that node's index; `None` when none does (the client sees its
/// connection closed).
async fn connect(nodes: &[SocketAddr], next: &AtomicUsize) -> Option<(usize, TcpStream)> {
    let first = next.fetch_add(1, Ordering::Relaxed);
    for i in 0..nodes.len() {
        let index = (first + i) % nodes.len();
        let attempt = TcpStream::connect(nodes[index]);
        if let Ok(Ok(stream)) = tokio::time::timeout(CONNECT_WITHIN, attempt).await {
            let _ = stream.set_nodelay(true);
            return Some((index, stream));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A node that answers each connection with its name.
    async fn node(name: &'static [u8]) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let _ = stream.write_all(name).await;
            }
        });
        addr
    }

    async fn ask(addr: SocketAddr) -> Vec<u8> {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let mut answer = vec![0; 1];
        stream.read_exact(&mut answer).await.expect("answer");
        answer
    }

    #[tokio::test]
    async fn connections_go_round_the_nodes_and_skip_one_that_is_down() {
        let a = node(b"a").await;
        let b = node(b"b").await;
        let down = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let gone = down.local_addr().expect("addr");
        drop(down);
        let balancer = Balancer::start(vec![a, gone, b]).await.expect("start");
        let mut answers = Vec::new();
        for _ in 0..6 {
            answers.extend(ask(balancer.addr).await);
        }
        assert!(
            answers.contains(&b'a') && answers.contains(&b'b'),
            "{answers:?}"
        );
        assert_eq!(answers.len(), 6, "the node that is down was skipped");
    }

    #[tokio::test]
    async fn a_degraded_path_holds_its_traffic_and_a_restored_one_does_not() {
        let a = node(b"a").await;
        let balancer = Balancer::start(vec![a]).await.expect("start");
        balancer.degrade(0, true);
        let started = tokio::time::Instant::now();
        assert_eq!(ask(balancer.addr).await, b"a");
        assert!(started.elapsed() >= Duration::from_millis(100), "held");
        balancer.degrade(0, false);
        assert_eq!(ask(balancer.addr).await, b"a");
    }
}
