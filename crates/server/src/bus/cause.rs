//! The chain of work the running code belongs to, carried by every event it writes: the
//! correlation id (the request id of the request that started the chain), the causation id (the
//! event the work follows from) and the W3C trace context.
//!
//! A request's middleware opens the chain ([`Cause::request`]); a role's consumer continues it
//! for each event it handles ([`Cause::following`]); a role's own step (a matchmaker round, a
//! sweeper pass) starts a new one ([`Cause::fresh`]). The cause lives in a task-local, so the
//! services between a handler and the outbox need not pass it along.

use std::future::Future;

use rally_protocol::event::Envelope;
use uuid::Uuid;

tokio::task_local! {
    static CURRENT: Cause;
}

/// What an event written now says about the work that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// The request id that started the chain, or a fresh id for a chain a role started.
    pub correlation_id: String,
    /// The event the running work follows from.
    pub causation_id: Option<Uuid>,
    /// The W3C `traceparent` of the running work.
    pub traceparent: Option<String>,
}

impl Cause {
    /// A chain started by a request with this id and, when the client sent a valid one, this
    /// `traceparent` header.
    pub fn request(request_id: &str, traceparent: Option<&str>) -> Self {
        Self {
            correlation_id: request_id.to_owned(),
            causation_id: None,
            traceparent: traceparent.filter(|t| is_traceparent(t)).map(str::to_owned),
        }
    }

    /// A chain started by a role's own step.
    pub fn fresh() -> Self {
        Self {
            correlation_id: Uuid::now_v7().to_string(),
            causation_id: None,
            traceparent: None,
        }
    }

    /// The work that follows from `envelope`: its chain, caused by it.
    pub fn following(envelope: &Envelope) -> Self {
        Self {
            correlation_id: envelope.correlation_id.clone(),
            causation_id: Some(envelope.id),
            traceparent: envelope.traceparent.clone(),
        }
    }

    /// The cause of the running task; a fresh chain outside of any.
    pub fn current() -> Self {
        CURRENT
            .try_with(Clone::clone)
            .unwrap_or_else(|_| Self::fresh())
    }

    /// This chain, continued by the work of `span`: events written now carry `span`'s trace
    /// context when it is a step of this chain's trace (or the chain has none yet), else the
    /// context they came with (`span` handles a batch, linked to many traces).
    pub fn traced(mut self, span: &tracing::Span) -> Self {
        use crate::telemetry::trace_context::{same_trace, traceparent_of};
        if let Some(traceparent) = traceparent_of(span) {
            let step = self
                .traceparent
                .as_deref()
                .is_none_or(|chain| same_trace(chain, &traceparent));
            if step {
                self.traceparent = Some(traceparent);
            }
        }
        self
    }

    /// Runs `work` as part of this chain.
    pub async fn scope<F: Future>(self, work: F) -> F::Output {
        CURRENT.scope(self, work).await
    }
}

/// Whether `value` is a W3C `traceparent` of version 00: `00-<32 hex>-<16 hex>-<2 hex>`, with
/// neither id all zeros.
pub fn is_traceparent(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let zero = |s: &str| s.bytes().all(|b| b == b'0');
    matches!(parts.as_slice(), [version, trace, parent, flags]
        if *version == "00" && hex(trace, 32) && hex(parent, 16) && hex(flags, 2)
            && !zero(trace) && !zero(parent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_valid_traceparents_are_carried() {
        let valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        assert!(is_traceparent(valid));
        for invalid in [
            "",
            "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-00000000000000000000000000000000-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x",
        ] {
            assert!(!is_traceparent(invalid), "{invalid}");
        }
        assert_eq!(
            Cause::request("r-1", Some("nonsense")).traceparent,
            None,
            "an invalid header is not carried on"
        );
        assert_eq!(
            Cause::request("r-1", Some(valid)).traceparent.as_deref(),
            Some(valid)
        );
    }

    #[tokio::test]
    async fn the_cause_of_a_scope_is_its_own_and_outside_is_fresh() {
        let outside = Cause::current();
        assert_ne!(
            outside,
            Cause::current(),
            "each chain outside a scope is new"
        );
        let request = Cause::request("req-7", None);
        let seen = request.clone().scope(async { Cause::current() }).await;
        assert_eq!(seen, request);
    }
}
