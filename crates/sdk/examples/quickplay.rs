//! Quickplay: from "player opens the game" to "player is on a server".
//!
//! Logs in (registering the account the first time), creates a party, queues, waits for
//! `match.found` and `session.ready`, and prints the game server's endpoint. With `--play` it
//! then joins that server with the session token (the protocol of the `game_server` example)
//! and prints the outcome.
//!
//! ```text
//! cargo run -p rally-sdk --example quickplay -- http://127.0.0.1:8080 ada 'correct horse battery' [--play]
//! ```

#![allow(clippy::print_stdout)] // an example prints what it does

use rally_sdk::{
    Client, ClientConfig, Event,
    protocol::{CreatePartyRequest, session::SessionInfo},
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Logs `username` in (or registers them), queues them for `mode` in `region`, and waits until
/// their game session is ready; the client, still connected, and the session.
pub async fn quickplay(
    base_url: &str,
    username: &str,
    password: &str,
    mode: &str,
    region: &str,
) -> rally_sdk::Result<(Client, SessionInfo)> {
    let client = Client::new(ClientConfig::new(base_url))?;
    match client.login(username, password).await {
        Err(error) if error.code() == "invalid_credentials" => {
            let email = format!("{username}@example.com");
            client.register(username, &email, password).await?
        }
        answer => answer?,
    };
    // Connect before queueing, so no push about the ticket is missed.
    client.connect().await?;
    while !matches!(client.next_event().await, Event::Connected { .. }) {}
    if client.my_party().await?.is_none() {
        client.create_party(&CreatePartyRequest::default()).await?;
    }
    client.join_queue(mode, &[(region, 30)]).await?;
    loop {
        match client.next_event().await {
            Event::MatchFound(found) => {
                println!(
                    "{username}: match {} found in {}",
                    found.match_id, found.region
                );
            }
            Event::MatchCancelled(cancelled) => {
                println!(
                    "{username}: no server ({}); back in the queue",
                    cancelled.reason
                );
            }
            Event::SessionReady(session) => return Ok((client, session)),
            Event::LoggedOut { code } => return Err(rally_sdk::Error::LoggedOut { code }),
            _ => {}
        }
    }
}

/// Joins the game server of `session` with the session token; the server's last line (the
/// outcome of the match).
pub async fn play(session: &SessionInfo) -> std::io::Result<String> {
    let (Some(endpoint), Some(token)) = (&session.endpoint, &session.token) else {
        return Err(std::io::Error::other("the session has no endpoint yet"));
    };
    let mut stream = tokio::net::TcpStream::connect(endpoint).await?;
    stream
        .write_all(format!("{} {token}\n", session.match_id).as_bytes())
        .await?;
    let mut lines = BufReader::new(stream).lines();
    let mut last = String::new();
    while let Some(line) = lines.next_line().await? {
        last = line;
    }
    Ok(last)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, username, password, rest @ ..] = args.as_slice() else {
        return Err("usage: quickplay BASE_URL USERNAME PASSWORD [--play]".into());
    };
    let (_client, session) = quickplay(url, username, password, "duel", "eu").await?;
    println!("endpoint {}", session.endpoint.as_deref().unwrap_or("-"));
    if rest.iter().any(|a| a == "--play") {
        println!("{}", play(&session).await?);
    }
    Ok(())
}
