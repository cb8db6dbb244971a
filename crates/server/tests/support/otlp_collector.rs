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
