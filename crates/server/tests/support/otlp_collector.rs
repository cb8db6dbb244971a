//! An OTLP/HTTP trace collector for tests: a real HTTP server on port 0 that decodes the
//! exporter's protobuf and keeps every span, with the look-ups the trace tests make. Shared by
//! the server's and the `rally` binary's trace tests (`#[path]`).

use std::sync::{Arc, Mutex};

use axum::{Router, body::Bytes, extract::State, routing::post};
use opentelemetry_proto::tonic::{
    collector::trace::v1::ExportTraceServiceRequest,
    common::v1::{AnyValue, any_value},
    trace::v1::Span,
};
use prost::Message;

/// The spans received so far.
#[derive(Clone, Default)]
pub struct Collector {
    spans: Arc<Mutex<Vec<Span>>>,
}

impl Collector {
    /// Serves `/v1/traces` on a free port of 127.0.0.1; the collector and its base URL (what
    /// `otlp_endpoint` is set to).
    pub async fn start() -> (Collector, String) {
        let collector = Collector::default();
        let receiver = Router::new()
            .route("/v1/traces", post(receive))
            .with_state(collector.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let endpoint = format!("http://{}", listener.local_addr().expect("bound"));
        tokio::spawn(async move { axum::serve(listener, receiver).await });
        (collector, endpoint)
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<Span> {
        self.spans.lock().expect("not poisoned").clone()
    }
}

async fn receive(State(collector): State<Collector>, body: Bytes) {
    let request = ExportTraceServiceRequest::decode(body).expect("the exporter sends protobuf");
    let mut spans = collector.spans.lock().expect("not poisoned");
    for resource in request.resource_spans {
        for scope in resource.scope_spans {
            spans.extend(scope.spans);
        }
    }
}

/// A string attribute of a span.
pub fn attribute<'a>(span: &'a Span, key: &str) -> Option<&'a str> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|AnyValue { value }| match value {
            Some(any_value::Value::StringValue(text)) => Some(text.as_str()),
            _ => None,
        })
}

/// Whether `span` links to `other`.
pub fn links_to(span: &Span, other: &Span) -> bool {
    span.links
        .iter()
        .any(|link| link.trace_id == other.trace_id && link.span_id == other.span_id)
}

/// The first span named `name` with attribute `key` = `value`.
pub fn find<'a>(spans: &'a [Span], name: &str, key: &str, value: &str) -> Option<&'a Span> {
    spans
        .iter()
        .find(|s| s.name == name && attribute(s, key) == Some(value))
}

/// The span `span` is a child of.
pub fn parent_of<'a>(spans: &'a [Span], span: &Span) -> &'a Span {
    spans
        .iter()
        .find(|s| s.span_id == span.parent_span_id)
        .unwrap_or_else(|| panic!("the parent of `{}` was exported", span.name))
}

/// The spans of trace `trace_id` as an indented tree, children in the order they started, each
/// with the attributes that tell it apart and the spans it links to; for a test to print.
pub fn tree(spans: &[Span], trace_id: &[u8]) -> String {
    let mut in_trace: Vec<&Span> = spans.iter().filter(|s| s.trace_id == trace_id).collect();
    in_trace.sort_by_key(|s| s.start_time_unix_nano);
    let mut out = String::new();
    let roots = in_trace
        .iter()
        .filter(|s| !in_trace.iter().any(|p| p.span_id == s.parent_span_id));
    for root in roots {
        branch(spans, &in_trace, root, 0, &mut out);
    }
    out
}

fn branch(all: &[Span], in_trace: &[&Span], span: &Span, depth: usize, out: &mut String) {
    let shown = [
        "http.route",
        "db.operation.name",
        "event.stream",
        "push.type",
    ];
    let details: Vec<String> = shown
        .iter()
        .filter_map(|key| attribute(span, key).map(|value| format!("{key}={value}")))
        .chain(span.links.iter().map(|link| {
            let linked = all
                .iter()
                .find(|s| s.span_id == link.span_id)
                .map_or("?", |s| s.name.as_str());
            format!("links to {linked}")
        }))
        .collect();
    out.push_str(&format!(
        "{}{} {}\n",
        "  ".repeat(depth),
        span.name,
        details.join(", ")
    ));
    for child in in_trace.iter().filter(|s| s.parent_span_id == span.span_id) {
        branch(all, in_trace, child, depth + 1, out);
    }
}
