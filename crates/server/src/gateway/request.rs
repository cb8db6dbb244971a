//! Reading a client's frame and answering it: one reply per frame, carrying the frame's `id`.
//! A frame that is not JSON, names another version, has no `id` or an unknown `type` gets an
//! `error` reply with its own code; nothing a client sends can crash the connection.

use rally_protocol::gateway::{
    ClientMessage, ClientRequest, GATEWAY_VERSION, GatewayError, Presence, ServerEvent,
    ServerMessage,
};
use serde_json::Value;

use super::{Gateway, presence};

/// The longest request id accepted.
const MAX_ID_LEN: usize = 64;
/// The most players one `presence.query` may ask about.
const MAX_PRESENCE_QUERY: usize = 100;
/// The request types this gateway serves.
const KNOWN: [&str; 2] = ["ping", "presence.query"];

/// The reply to one text frame, and the frame's type for metrics (`invalid` when unreadable).
pub async fn answer(gateway: &Gateway, text: &str) -> (ServerMessage, &'static str) {
    let value: Value = match serde_json::from_str(text) {
        Ok(value @ Value::Object(_)) => value,
        _ => {
            return (
                error("", "invalid_frame", "a frame must be a JSON object"),
                "invalid",
            );
        }
    };
    let id = match value.get("id").and_then(Value::as_str) {
        Some(id) if id.len() <= MAX_ID_LEN => id.to_owned(),
        _ => {
            return (
                error(
                    "",
                    "invalid_frame",
                    "every frame needs an `id`: a string of at most 64 characters",
                ),
                "invalid",
            );
        }
    };
    if value.get("v").and_then(Value::as_u64) != Some(u64::from(GATEWAY_VERSION)) {
        let detail =
            format!("this server speaks version {GATEWAY_VERSION} (`\"v\": {GATEWAY_VERSION}`)");
        return (error(&id, "unsupported_version", &detail), "invalid");
    }
    let kind = value.get("type").and_then(Value::as_str).unwrap_or("");
    let Some(known) = KNOWN.iter().find(|known| **known == kind) else {
        let detail = format!("unknown type `{kind}`; known: {}", KNOWN.join(", "));
        return (error(&id, "unknown_type", &detail), "invalid");
    };
    let request = match serde_json::from_value::<ClientMessage>(value) {
        Ok(message) => message.request,
        Err(e) => return (error(&id, "invalid_request", &e.to_string()), known),
    };
    let event = match request {
        ClientRequest::Ping => ServerEvent::Pong,
        ClientRequest::PresenceQuery(query) => {
            if query.player_ids.len() > MAX_PRESENCE_QUERY {
                return (
                    error(
                        &id,
                        "invalid_request",
                        "ask about at most 100 players at once",
                    ),
                    known,
                );
            }
            match presence::online(gateway.state(), &query.player_ids).await {
                Ok(online) => ServerEvent::Presence(Presence { online }),
                Err(e) => {
                    tracing::warn!(error = %e, "presence query failed");
                    return (
                        error(&id, "unavailable", "presence is unavailable; try again"),
                        known,
                    );
                }
            }
        }
    };
    (reply(&id, event), known)
}

/// A reply to the request `id`.
pub fn reply(id: &str, event: ServerEvent) -> ServerMessage {
    ServerMessage {
        v: GATEWAY_VERSION,
        id: id.to_owned(),
        seq: None,
        event,
    }
}

/// An `error` reply to the request `id` (empty when the frame had none).
pub fn error(id: &str, code: &str, detail: &str) -> ServerMessage {
    reply(
        id,
        ServerEvent::Error(GatewayError {
            code: code.to_owned(),
            detail: detail.to_owned(),
        }),
    )
}
