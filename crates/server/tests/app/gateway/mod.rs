//! The WebSocket gateway over a real socket: admission, requests and replies, pushes of party
//! changes, resume, and the limits that close a misbehaving connection.

mod admission;
mod limits;
mod pushes;

use std::{net::SocketAddr, time::Duration};

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest},
};

/// Settings for gateway tests: the party tests' (registrations for a crowd).
pub fn settings() -> Vec<(&'static str, String)> {
    crate::party::SETTINGS
        .iter()
        .map(|(k, v)| (*k, (*v).to_owned()))
        .collect()
}

/// How long a test waits for any one frame.
const PATIENCE: Duration = Duration::from_secs(10);

/// A gateway client.
pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// Connects to `/v1/ws?{query}` with `token` as a bearer header when given.
pub async fn connect(addr: SocketAddr, token: Option<&str>, query: &str) -> Client {
    let mut request = format!("ws://{addr}/v1/ws?{query}")
        .into_client_request()
        .unwrap();
    if let Some(token) = token {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    let (ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    Client { ws }
}

/// Connects with `token` and reads the `hello`; returns both.
pub async fn connect_hello(addr: SocketAddr, token: &str, query: &str) -> (Client, Value) {
    let mut client = connect(addr, Some(token), query).await;
    let hello = client.next_json().await;
    assert_eq!(hello["type"], "hello", "{hello}");
    (client, hello)
}

impl Client {
    /// The next frame, which must be JSON text (pings are answered by the library).
    pub async fn next_json(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("no frame in time")
                .expect("the socket ended")
                .expect("the socket failed");
            match frame {
                Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
                Message::Ping(_) | Message::Pong(_) => {}
                other => panic!("expected a JSON frame, got {other:?}"),
            }
        }
    }

    /// Skips frames until one of `kind`.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let frame = self.next_json().await;
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// Reads until the server's close frame; its code and reason.
    pub async fn close_frame(&mut self) -> (u16, String) {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("no close in time");
            match frame {
                Some(Ok(Message::Close(Some(close)))) => {
                    return (u16::from(close.code), close.reason.as_str().to_owned());
                }
                Some(Ok(Message::Close(None))) | None => panic!("closed without a code"),
                Some(Ok(_)) => {}
                Some(Err(error)) => panic!("socket failed before a close frame: {error}"),
            }
        }
    }

    /// Sends a text frame.
    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::Text(text.into())).await.unwrap();
    }

    /// Sends a request and reads frames until the reply to its id.
    pub async fn request(&mut self, request: Value) -> Value {
        let id = request["id"].as_str().unwrap().to_owned();
        self.send_text(&request.to_string()).await;
        loop {
            let frame = self.next_json().await;
            if frame["id"] == id.as_str() {
                return frame;
            }
        }
    }

    /// Drops the TCP connection without a close handshake (a lost network).
    pub fn cut(self) {
        drop(self.ws);
    }
}
