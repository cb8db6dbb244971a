//! W3C trace context (`traceparent`) between Rally's spans and what crosses a process: an HTTP
//! request's header, an event's envelope, a push to a player's node. A span continued from a
//! `traceparent` joins the caller's trace; a `traceparent` read off a span carries the trace
//! on. Without an OTLP exporter spans have no trace context, and both are no-ops.

use opentelemetry::{
    Context,
    trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState},
};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::bus::is_traceparent;

/// The `traceparent` naming `span`, when it is part of a trace (an exporter is installed).
pub fn traceparent_of(span: &Span) -> Option<String> {
    let context = span.context();
    let span_context = context.span().span_context().clone();
    span_context.is_valid().then(|| format(&span_context))
}

/// The `traceparent` of a span context.
pub fn format(span_context: &SpanContext) -> String {
    format!(
        "00-{:032x}-{:016x}-{:02x}",
        span_context.trace_id(),
        span_context.span_id(),
        span_context.trace_flags().to_u8()
    )
}

/// The remote span context a `traceparent` names; `None` unless it is a valid version-00 one.
pub fn parse(traceparent: &str) -> Option<SpanContext> {
    if !is_traceparent(traceparent) {
        return None;
    }
    let mut parts = traceparent.split('-').skip(1);
    let trace_id = TraceId::from_hex(parts.next()?).ok()?;
    let span_id = SpanId::from_hex(parts.next()?).ok()?;
    let flags = u8::from_str_radix(parts.next()?, 16).ok()?;
    Some(SpanContext::new(
        trace_id,
        span_id,
        TraceFlags::new(flags),
        true,
        TraceState::default(),
    ))
}

/// Makes `span` a child of the work `traceparent` names, in that work's trace. Call it before
/// `span` is first entered.
pub fn continue_from(span: &Span, traceparent: Option<&str>) {
    if let Some(parent) = traceparent.and_then(parse) {
        // Fails only when no exporter records the span: there is no trace to join then.
        let _ = span.set_parent(Context::new().with_remote_span_context(parent));
    }
}

/// Makes `span` (just created, so a child of the running span) a step of the work
/// `traceparent` names: it stays the running span's child when that span is in the same trace
/// (the handling of that work's event), and joins `traceparent`'s trace otherwise (the
/// handling of a batch, which follows from many).
pub fn continue_within(span: &Span, traceparent: Option<&str>) {
    let running = traceparent_of(&Span::current());
    let within =
        matches!((running.as_deref(), traceparent), (Some(a), Some(b)) if same_trace(a, b));
    if !within {
        continue_from(span, traceparent);
    }
}

/// Whether two `traceparent`s name spans of one trace.
pub fn same_trace(a: &str, b: &str) -> bool {
    trace_id(a).is_some() && trace_id(a) == trace_id(b)
}

/// The trace id (32 hex digits) a `traceparent` names.
pub fn trace_id(traceparent: &str) -> Option<&str> {
    traceparent.split('-').nth(1)
}

/// Fills `span`'s `trace_id` field (declared `tracing::field::Empty`) with its trace's id, so
/// the log lines written in it carry the id a trace backend finds the trace by.
pub fn record_trace_id(span: &Span) {
    if let Some(traceparent) = traceparent_of(span)
        && let Some(id) = trace_id(&traceparent)
    {
        span.record("trace_id", id);
    }
}

/// Links `span` to the work `traceparent` names, for a span that follows from many (a batch
/// of events) and can be the child of none of them.
pub fn link_to(span: &Span, traceparent: Option<&str>) {
    if let Some(linked) = traceparent.and_then(parse) {
        span.add_link(linked);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_traceparent_reads_and_writes_back_the_same() {
        let header = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        let parsed = parse(header).expect("a valid traceparent");
        assert!(parsed.is_valid() && parsed.is_remote() && parsed.is_sampled());
        assert_eq!(format(&parsed), header);
        let unsampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
        assert!(!parse(unsampled).expect("valid").is_sampled());
        assert!(parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331").is_none());
        assert!(parse("nonsense").is_none());
    }

    #[test]
    fn spans_of_one_trace_share_its_id_whatever_their_own() {
        let a = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        let b = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-00";
        let c = "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01";
        assert!(same_trace(a, b));
        assert!(!same_trace(a, c));
        assert!(!same_trace("", ""));
    }

    #[test]
    fn without_an_exporter_a_span_has_no_traceparent_and_continuing_is_harmless() {
        let span = tracing::info_span!("work");
        continue_from(
            &span,
            Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        );
        assert_eq!(traceparent_of(&span), None);
    }
}
