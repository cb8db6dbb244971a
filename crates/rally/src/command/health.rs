//! `rally health`: ask a running node's `/readyz`; exit 0 only when it answers 200.
//!
//! A deliberately tiny HTTP/1.1 client over a TCP stream, so the check has no dependency beyond
//! the runtime and works as a container health check.

use std::{path::Path, process::ExitCode, time::Duration};

use anyhow::Context;
use rally_server::Settings;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Flags of `rally health`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The node's address (default: the configured listen address).
    #[arg(long, value_name = "HOST:PORT")]
    addr: Option<String>,
    /// How long to wait for the answer, in seconds.
    #[arg(long, default_value_t = 5)]
    timeout_s: u64,
}

/// Prints the readiness report and exits 0 when the node is ready.
pub async fn run(config: Option<&Path>, args: Args) -> anyhow::Result<ExitCode> {
    let addr = match args.addr {
        Some(addr) => addr,
        None => Settings::load(config, &[])?.node.listen.to_string(),
    };
    let answer = tokio::time::timeout(Duration::from_secs(args.timeout_s), readyz(&addr))
        .await
        .with_context(|| format!("{addr} did not answer within {} s", args.timeout_s))?
        .with_context(|| format!("cannot ask {addr} for its readiness"))?;
    let (status, body) = answer;
    eprintln!("{body}");
    Ok(if status == 200 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn readyz(addr: &str) -> anyhow::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET /readyz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .context("the answer is not HTTP")?;
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .to_owned();
    Ok((status, body))
}
