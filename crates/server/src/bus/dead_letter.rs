//! The dead-letter stream: where a message goes that its reader cannot read (not JSON, an
//! unknown type, a newer schema, the wrong stream), so that it is kept for an operator instead
//! of being dropped, and counted (`rally_events_dead_lettered_total{stream}`) and logged.

use rally_events::{Delivery, Events, Stream};
use rally_protocol::event::DeadLetter;
use sha2::{Digest, Sha256};

use super::reader::RETRY_AFTER;

/// Moves `delivery` to the dead-letter stream, then acknowledges it; when the dead-letter
/// stream cannot take it, the delivery is retried instead.
pub async fn send(events: &Events, reader: &str, delivery: &Delivery, reason: &str) {
    let stream = delivery.stream();
    let letter = DeadLetter {
        stream: stream.name().to_owned(),
        key: delivery.key().to_owned(),
        reader: reader.to_owned(),
        reason: reason.to_owned(),
        payload: String::from_utf8_lossy(delivery.payload()).into_owned(),
    };
    let payload = serde_json::to_vec(&letter).expect("BUG: a dead letter serializes");
    // The same message read again (its acknowledgement lost) is stored once.
    let digest = Sha256::digest(delivery.payload());
    let id = format!("{reader}.{stream}.{}", hex(&digest[..16]));
    match events
        .publish_traced(
            Stream::DeadLetter,
            delivery.key(),
            payload,
            Some(&id),
            delivery
                .traceparent()
                .filter(|t| crate::telemetry::trace_context::parse(t).is_some()),
        )
        .await
    {
        Ok(_) => {
            tracing::error!(
                event.stream = stream.name(),
                event.key = delivery.key(),
                durable = reader,
                reason,
                "unreadable event; moved to the dead-letter stream"
            );
            metrics::counter!("rally_events_dead_lettered_total", "stream" => stream.name())
                .increment(1);
            if let Err(error) = delivery.ack().await {
                tracing::warn!(error = %error, "cannot acknowledge a dead-lettered event; it may come again");
            }
        }
        Err(error) => {
            tracing::warn!(error = %error, event.stream = stream.name(), event.key = delivery.key(), reason, "an unreadable event cannot be dead-lettered yet; retrying it");
            let _ = delivery.nack_after(RETRY_AFTER).await;
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
