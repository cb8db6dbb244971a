//! One WebSocket connection: the `hello`, the missed pushes of a resume, then pushes, replies,
//! pings and deadlines until the client leaves, goes silent, floods, falls behind or the node
//! shuts down. One task per connection reads and writes; a write that stalls past the idle
//! timeout ends it.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use rally_protocol::gateway::{GATEWAY_VERSION, Hello, ServerEvent, ServerMessage, close_code};
use tracing::Instrument;
use uuid::Uuid;

use super::{
    Gateway, GatewaySession, Opened, presence, push, request,
    session::{Kick, Outbound},
};
use crate::telemetry::trace_context;

/// How long a closing connection waits for the client's close frame.
const CLOSE_HANDSHAKE: Duration = Duration::from_secs(2);

/// Closes a socket that never became a session (a refused token), with `code` and `reason`.
pub async fn refuse(mut socket: WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from(reason.to_owned()),
    };
    let _ = tokio::time::timeout(
        Duration::from_secs(5),
        socket.send(Message::Close(Some(frame))),
    )
    .await;
}

/// Serves `socket` for `player_id`, resuming `resume` when it can.
pub async fn serve(
    socket: WebSocket,
    gateway: Gateway,
    player_id: Uuid,
    resume: Option<(Uuid, u64)>,
) {
    let opened = match gateway.open(player_id, resume).await {
        Ok(opened) => opened,
        Err(error) => {
            tracing::warn!(error = %error, "cannot open a gateway session");
            refuse(socket, 1011, "events are unavailable; reconnect later").await;
            return;
        }
    };
    let session = opened.session.clone();
    let generation = opened.attachment.generation;
    metrics::gauge!("rally_ws_connections").increment(1.0);
    Connection::new(socket, &gateway, session.clone())
        .run(opened)
        .await;
    gateway.detached(&session, generation).await;
    // Counted until the node is done with it (presence cleared, the grace begun).
    metrics::gauge!("rally_ws_connections").decrement(1.0);
}

/// Why the loop ended.
enum End {
    /// The client closed, or the socket failed: nothing more to send.
    Gone,
    /// Close with this code and reason.
    Close(u16, &'static str),
}

struct Connection<'g> {
    socket: WebSocket,
    gateway: &'g Gateway,
    session: Arc<GatewaySession>,
    write_timeout: Duration,
}

impl<'g> Connection<'g> {
    fn new(socket: WebSocket, gateway: &'g Gateway, session: Arc<GatewaySession>) -> Self {
        Self {
            socket,
            gateway,
            session,
            write_timeout: gateway.limits().idle_timeout,
        }
    }

    async fn run(mut self, opened: Opened) {
        let end = self.exchange(opened).await;
        if let End::Close(code, reason) = end {
            let frame = CloseFrame {
                code,
                reason: Utf8Bytes::from_static(reason),
            };
            if self.send(Message::Close(Some(frame))).await.is_ok() {
                self.await_close_reply().await;
            }
        }
    }

    /// After our close frame: reads (and drops) what the client still sends until its own
    /// close frame, for at most [`CLOSE_HANDSHAKE`], so the client reads our reason before the
    /// TCP connection goes.
    async fn await_close_reply(&mut self) {
        let _ = tokio::time::timeout(CLOSE_HANDSHAKE, async {
            while let Some(Ok(message)) = self.socket.recv().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }

    async fn exchange(&mut self, opened: Opened) -> End {
        let Opened {
            mut attachment,
            resumed,
            ..
        } = opened;
        let limits = self.gateway.limits();
        let hello = ServerMessage {
            v: GATEWAY_VERSION,
            id: Uuid::new_v4().to_string(),
            seq: None,
            event: ServerEvent::Hello(Hello {
                player_id: self.session.player_id,
                session_id: self.session.id,
                resumed,
                last_seq: attachment.last_seq,
                ping_interval_ms: millis(limits.ping_interval),
                idle_timeout_ms: millis(limits.idle_timeout),
                resume_grace_ms: millis(limits.resume_grace),
            }),
        };
        if self.reply(&hello, "hello").await.is_err() {
            return End::Gone;
        }
        for outbound in std::mem::take(&mut attachment.missed) {
            if self.push(outbound).await.is_err() {
                return End::Gone;
            }
        }
        let was_online = presence::node_of(self.gateway.state(), self.session.player_id)
            .await
            .ok()
            .flatten()
            .is_some();
        self.mark_online().await;
        // A resumed session is the same visit: its friends heard of it when it began.
        if !was_online && !resumed {
            self.gateway.arrived(self.session.player_id);
        }

        let mut shutdown = self.gateway.shutting_down();
        if *shutdown.borrow_and_update() {
            return End::Close(close_code::GOING_AWAY, "the node is shutting down");
        }
        let mut ping = tokio::time::interval(limits.ping_interval);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ping.tick().await;
        let mut last_heard = Instant::now();
        let mut flood = Flood::new(limits.messages_per_second);
        loop {
            tokio::select! {
                biased;
                kick = &mut attachment.kick => {
                    let kick = kick.unwrap_or(Kick::REPLACED);
                    return End::Close(kick.code, kick.reason);
                }
                _ = shutdown.changed() => {
                    return End::Close(close_code::GOING_AWAY, "the node is shutting down");
                }
                frame = self.socket.recv() => {
                    let message = match frame {
                        None | Some(Ok(Message::Close(_))) => return End::Gone,
                        Some(Err(error)) => return read_failure(error),
                        Some(Ok(message)) => message,
                    };
                    last_heard = Instant::now();
                    if matches!(message, Message::Ping(_) | Message::Pong(_)) {
                        continue;
                    }
                    if !flood.admit(last_heard) {
                        return End::Close(close_code::POLICY_VIOLATION, "too many messages");
                    }
                    let (reply, kind) = match message {
                        Message::Text(text) => request::answer(self.gateway, text.as_str()).await,
                        _ => (request::error("", "invalid_frame", "frames must be JSON text"), "invalid"),
                    };
                    metrics::counter!("rally_ws_messages_in_total", "type" => kind).increment(1);
                    if self.reply(&reply, reply.event.kind()).await.is_err() {
                        return End::Gone;
                    }
                }
                outbound = attachment.pushes.recv() => {
                    let Some(outbound) = outbound else {
                        // The session let go of this socket; its kick says why.
                        continue;
                    };
                    let banned = outbound.kind == "account.banned";
                    if self.push(outbound).await.is_err() {
                        return End::Gone;
                    }
                    if banned {
                        return End::Close(close_code::BANNED, "account banned");
                    }
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() > limits.idle_timeout {
                        return End::Close(close_code::IDLE_TIMEOUT, "nothing heard within the idle timeout");
                    }
                    if self.send(Message::Ping(Default::default())).await.is_err() {
                        return End::Gone;
                    }
                    self.mark_online().await;
                }
            }
        }
    }

    async fn mark_online(&mut self) {
        let gateway = self.gateway;
        let player_id = self.session.player_id;
        if let Err(error) = presence::mark_online(
            gateway.state(),
            player_id,
            gateway.node_id(),
            gateway.limits().presence_ttl(),
        )
        .await
        {
            tracing::warn!(error = %error, "cannot record a player's presence");
        }
    }

    async fn push(&mut self, outbound: Outbound) -> Result<(), ()> {
        // A push from traced work is delivered as a step of that work's trace; one from a step
        // of a player's journey is logged with its chain's correlation id. News on a cadence
        // is neither.
        let span = match outbound.traceparent.as_deref() {
            Some(traceparent) => {
                let span = tracing::info_span!(
                    "push",
                    push.type = outbound.kind,
                    correlation_id = outbound.correlation_id.as_deref(),
                    trace_id = tracing::field::Empty,
                );
                trace_context::continue_from(&span, Some(traceparent));
                trace_context::record_trace_id(&span);
                span
            }
            None => tracing::Span::none(),
        };
        self.send(Message::Text(outbound.text))
            .instrument(span.clone())
            .await?;
        if let Some(correlation_id) = outbound.correlation_id.as_deref() {
            span.in_scope(|| {
                tracing::debug!(correlation_id, push.type = outbound.kind, "push delivered");
            });
        }
        metrics::counter!("rally_ws_messages_out_total", "type" => outbound.kind).increment(1);
        let latency_ms = push::now_ms()
            .saturating_sub(outbound.occurred_at_ms)
            .max(0);
        metrics::histogram!("rally_ws_push_latency_seconds", "type" => outbound.kind)
            .record(latency_ms as f64 / 1000.0);
        Ok(())
    }

    async fn reply(&mut self, message: &ServerMessage, kind: &'static str) -> Result<(), ()> {
        let text = serde_json::to_string(message).expect("BUG: a reply serializes");
        self.send(Message::Text(Utf8Bytes::from(text))).await?;
        metrics::counter!("rally_ws_messages_out_total", "type" => kind).increment(1);
        Ok(())
    }

    async fn send(&mut self, message: Message) -> Result<(), ()> {
        match tokio::time::timeout(self.write_timeout, self.socket.send(message)).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(()),
        }
    }
}

/// A read error: a frame over the size limit is answered with 1009; anything else means the
/// socket is gone.
fn read_failure(error: axum::Error) -> End {
    let inner = error.into_inner();
    match inner.downcast_ref::<tungstenite::Error>() {
        Some(tungstenite::Error::Capacity(_)) => End::Close(
            close_code::MESSAGE_TOO_BIG,
            "frame larger than ws_max_message_bytes",
        ),
        Some(tungstenite::Error::Protocol(_)) => End::Close(1002, "WebSocket protocol error"),
        _ => End::Gone,
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A token bucket over a client's frames: `rate` per second, bursts of twice that.
struct Flood {
    rate: f64,
    burst: f64,
    tokens: f64,
    at: Instant,
}

impl Flood {
    fn new(rate: u32) -> Self {
        let rate = f64::from(rate);
        Self {
            rate,
            burst: rate * 2.0,
            tokens: rate * 2.0,
            at: Instant::now(),
        }
    }

    fn admit(&mut self, now: Instant) -> bool {
        let refill = now.saturating_duration_since(self.at).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flood_gate_admits_a_burst_then_the_rate() {
        let start = Instant::now();
        let mut flood = Flood::new(10);
        assert!(
            (0..20).all(|_| flood.admit(start)),
            "a burst of twice the rate"
        );
        assert!(!flood.admit(start), "then nothing until tokens refill");
        assert!(
            flood.admit(start + Duration::from_millis(100)),
            "one per 100 ms"
        );
        assert!(!flood.admit(start + Duration::from_millis(100)));
    }
}
