//! The pump that feeds one gateway session every push published on its player's subject, by
//! whichever node's dispatcher made it.

use std::sync::Arc;

use rally_events::Subscription;

use super::{GatewaySession, push};

/// Feeds `session` every push published for its player, until the session ends (its task is
/// aborted) or the subscription closes.
pub async fn pump(session: Arc<GatewaySession>, mut subscription: Subscription) {
    while let Some(message) = subscription.recv().await {
        match serde_json::from_slice::<push::PlayerPush>(&message.payload) {
            Ok(push) => {
                if session.deliver(push) {
                    metrics::counter!("rally_ws_slow_consumers_total").increment(1);
                }
            }
            Err(error) => {
                tracing::error!(error = %error, "unreadable player push; dropped");
            }
        }
    }
}
