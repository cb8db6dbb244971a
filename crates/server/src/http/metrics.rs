//! Prometheus metrics: the recorder, the per-route request middleware, and the `/metrics` text.
//!
//! Names follow Prometheus conventions, units in the name: `rally_http_requests_total`
//! {method, route, status} and `rally_http_request_duration_seconds` {method, route}.

use std::{sync::OnceLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request},
    middleware::Next,
    response::Response,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Request latency buckets, in seconds: from sub-millisecond to the slowest sane request.
const LATENCY_BUCKETS_S: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process-wide Prometheus recorder (installed once; every app in the process shares it).
pub fn recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), LATENCY_BUCKETS_S)
                .expect("BUG: the latency buckets are not empty")
                .install_recorder()
                .expect("BUG: nothing else installs a metrics recorder")
        })
        .clone()
}

/// Middleware: counts each request and records its latency under its route template.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed().as_secs_f64();
    let status = response.status().as_u16().to_string();
    metrics::counter!("rally_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("rally_http_request_duration_seconds", "method" => method, "route" => route)
        .record(elapsed);
    response
}
