//! The load balancer in front of a chaos run's api nodes, as a studio puts one in front of
//! theirs: each new TCP connection goes to the next node that accepts it, so a killed node
//! costs the connections it held, not the players who would have reached it.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::{
    net::{TcpListener, TcpStream},
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
}

impl Balancer {
    /// Listens on a free port of 127.0.0.1 and spreads connections over `nodes`.
    pub async fn start(nodes: Vec<SocketAddr>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let nodes = Arc::new(nodes);
        let next = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let (nodes, next) = (nodes.clone(), next.clone());
                tokio::spawn(async move {
                    if let Some(mut outbound) = connect(&nodes, &next).await {
                        let mut inbound = inbound;
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Ok(Self { addr, task })
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A connection to the first node, in turn from the next one, that accepts within
/// [`CONNECT_WITHIN`]; `None` when none does (the client sees its connection closed).
async fn connect(nodes: &[SocketAddr], next: &AtomicUsize) -> Option<TcpStream> {
    let first = next.fetch_add(1, Ordering::Relaxed);
    for i in 0..nodes.len() {
        let node = nodes[(first + i) % nodes.len()];
        if let Ok(Ok(stream)) = tokio::time::timeout(CONNECT_WITHIN, TcpStream::connect(node)).await
        {
            let _ = stream.set_nodelay(true);
            return Some(stream);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
}
