//! A bench player's gateway WebSocket, opened with their access token.

use std::net::SocketAddr;

use anyhow::{Context, bail};
use futures::StreamExt;
use serde_json::Value;
use tokio::{net::TcpStream, time::Instant};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest},
};

/// A bench client's WebSocket.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens `token`'s gateway socket on `addr` and reads its `hello`.
pub async fn open_socket(addr: SocketAddr, token: &str) -> anyhow::Result<Socket> {
    let mut request = format!("ws://{addr}/v1/ws").into_client_request()?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .context("cannot open a WebSocket (is the open-files limit high enough?)")?;
    match ws.next().await {
        Some(Ok(Message::Text(text))) if text.as_str().contains("\"hello\"") => Ok(ws),
        other => bail!("expected hello, got {other:?}"),
    }
}

/// The next push on `ws` as JSON, with when it arrived; `None` once the socket closes. Frames
/// that are not JSON text are skipped.
pub async fn next_frame(ws: &mut Socket) -> Option<(Value, Instant)> {
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let at = Instant::now();
        if let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) {
            return Some((frame, at));
        }
    }
    None
}
