//! A minimal game server on Rally.
//!
//! Players connect over TCP and send one line, `<match id> <session token>`. The server
//! verifies the token offline with the session key, heartbeats the session from the first
//! player on, and when every player of the match is in, "plays" it (the first to arrive wins),
//! reports the result (retried until stored), and tells each player `win` or `loss`.
//!
//! ```text
//! RALLY_SERVER_KEY=... RALLY_SESSION_TOKEN_KEY=... \
//!   cargo run -p rally-sdk --example game_server -- 127.0.0.1:7777 http://127.0.0.1:8080
//! ```

#![allow(clippy::print_stdout)] // an example prints what it does

use std::{
    collections::{HashMap, hash_map::Entry},
    sync::Arc,
    time::Duration,
};

use rally_sdk::{
    GameServer,
    protocol::session::{Outcome, ResultLine, ResultReport},
};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    sync::Mutex,
};
use uuid::Uuid;

/// The players who arrived for one match, and its heartbeats.
struct Table {
    seats: Vec<(Uuid, TcpStream)>,
    heartbeat: rally_sdk::Heartbeat,
}

/// Serves players from `listener` until `matches` results are stored (for ever with `None`).
pub async fn serve(
    listener: TcpListener,
    server: GameServer,
    players_per_match: usize,
    matches: Option<usize>,
) -> rally_sdk::Result<()> {
    let tables: Arc<Mutex<HashMap<Uuid, Table>>> = Arc::default();
    let (done, mut finished) = tokio::sync::mpsc::unbounded_channel();
    let mut reported = 0;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let (server, tables, done) = (server.clone(), Arc::clone(&tables), done.clone());
                tokio::spawn(async move {
                    if let Some(result) = admit(stream, &server, &tables, players_per_match).await {
                        let _ = done.send(result);
                    }
                });
            }
            Some(result) = finished.recv() => {
                result?;
                reported += 1;
                if matches.is_some_and(|m| reported >= m) {
                    return Ok(());
                }
            }
        }
    }
}

/// Seats one player; when the table is full, plays the match and reports it.
async fn admit(
    stream: TcpStream,
    server: &GameServer,
    tables: &Mutex<HashMap<Uuid, Table>>,
    players_per_match: usize,
) -> Option<rally_sdk::Result<()>> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).await.ok()?;
    let mut stream = reader.into_inner();
    let (match_id, token) = line.trim().split_once(' ')?;
    let match_id: Uuid = match_id.parse().ok()?;
    let player = match server.verify_offline(match_id, token) {
        Ok(claims) => claims.player_id,
        Err(refusal) => {
            let _ = stream
                .write_all(format!("refused {refusal}\n").as_bytes())
                .await;
            return None;
        }
    };
    let mut all = tables.lock().await;
    if let Entry::Vacant(vacant) = all.entry(match_id) {
        // The first player in: the session goes active and stays alive while the table fills.
        let heartbeat = match server
            .start_heartbeat(match_id, Duration::from_secs(2))
            .await
        {
            Ok(heartbeat) => heartbeat,
            Err(error) => {
                let _ = stream
                    .write_all(format!("refused {}\n", error.code()).as_bytes())
                    .await;
                return None;
            }
        };
        let seats = Vec::new();
        vacant.insert(Table { seats, heartbeat });
    }
    let table = all.get_mut(&match_id)?;
    table.seats.push((player, stream));
    if table.seats.len() < players_per_match {
        return None;
    }
    let table = all.remove(&match_id)?;
    drop(all);
    Some(play(server, match_id, table).await)
}

/// Plays a full table: the first player to arrive wins.
async fn play(server: &GameServer, match_id: Uuid, table: Table) -> rally_sdk::Result<()> {
    let outcomes = table
        .seats
        .iter()
        .enumerate()
        .map(|(i, (player, _))| ResultLine {
            team: None,
            player_id: Some(*player),
            outcome: if i == 0 { Outcome::Win } else { Outcome::Loss },
            placement: None,
        })
        .collect();
    let report = ResultReport {
        outcomes,
        duration_s: 1.0,
        stats: None,
    };
    server.report_result(match_id, &report).await?;
    table.heartbeat.stop();
    for (i, (_, mut stream)) in table.seats.into_iter().enumerate() {
        let outcome = if i == 0 { "win\n" } else { "loss\n" };
        let _ = stream.write_all(outcome.as_bytes()).await;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, listen, url] = args.as_slice() else {
        return Err("usage: game_server LISTEN BASE_URL (keys in RALLY_SERVER_KEY and RALLY_SESSION_TOKEN_KEY)".into());
    };
    // The keys come from the environment, not the command line, which other users can see.
    let server_key = std::env::var("RALLY_SERVER_KEY")?;
    let session_key = std::env::var("RALLY_SESSION_TOKEN_KEY")?;
    let server = GameServer::new(url, &server_key)?.with_session_key(&session_key, &[]);
    let listener = TcpListener::bind(listen).await?;
    println!("game server on {}", listener.local_addr()?);
    serve(listener, server, 2, None).await?;
    Ok(())
}
