//! Spans reach an OTLP/HTTP collector. The collector here is a real HTTP server on port 0 that
//! records what it is sent.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use axum::{Router, body::Bytes, extract::State, routing::post};
use tracing_subscriber::layer::SubscriberExt;

#[derive(Clone, Default)]
struct Collector {
    requests: Arc<Mutex<Vec<(String, usize)>>>,
}

async fn receive(State(collector): State<Collector>, headers: axum::http::HeaderMap, body: Bytes) {
    let content_type = headers
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("").to_owned())
        .unwrap_or_default();
    collector
        .requests
        .lock()
        .unwrap()
        .push((content_type, body.len()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_are_exported_to_the_configured_otlp_endpoint() {
    let collector = Collector::default();
    let app = Router::new()
        .route("/v1/traces", post(receive))
        .with_state(collector.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (layer, provider) = tokio::task::spawn_blocking(move || {
        rally_server::telemetry::otlp::layer(&endpoint, 1.0).unwrap()
    })
    .await
    .unwrap();
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!(target: "rally_server::roles", "matchmaking_tick", bucket = "eu/squad");
        let _entered = span.enter();
        tracing::info!("tick done");
    });
    tokio::task::spawn_blocking(move || provider.shutdown().unwrap())
        .await
        .unwrap();

    let requests = collector.requests.lock().unwrap().clone();
    assert!(!requests.is_empty(), "the collector received nothing");
    assert!(
        requests
            .iter()
            .all(|(kind, len)| kind == "application/x-protobuf" && *len > 0),
        "{requests:?}"
    );
}
