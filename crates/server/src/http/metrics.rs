//! Prometheus metrics: the recorder, the per-route request middleware, and the `/metrics` text.
//!
//! Names follow Prometheus conventions, units in the name: `rally_http_requests_total`
//! {method, route, status} and `rally_http_request_duration_seconds` {method, route}.
//!
//! Every label value comes from a closed set, so no client can grow the metrics: methods
//! outside the standard ones are `other`, paths that match no route are `unmatched`, and
//! statuses are three digits.

use std::{sync::OnceLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request},
    http::Method,
    middleware::Next,
    response::Response,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio_util::sync::CancellationToken;

use crate::telemetry::{catalogue, process};

/// Request latency buckets, in seconds: from sub-millisecond to the slowest sane request.
const LATENCY_BUCKETS_S: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Time-to-match buckets, in seconds: a wait is seconds to minutes (a queue's `max_wait_ms` is 5
/// minutes by default), past the request buckets' 10 s.
const WAIT_BUCKETS_S: &[f64] = &[
    0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 300.0, 600.0,
];

/// Match quality buckets: most matches score above 0.8, and the objective is a mean over 0.85.
const QUALITY_BUCKETS: &[f64] = &[
    0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.925, 0.95, 0.975, 1.0,
];

/// The process-wide Prometheus recorder (installed once; every app in the process shares it),
/// with every metric of [`catalogue`] described and `rally_build_info` set.
pub fn recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), LATENCY_BUCKETS_S)
                .and_then(|builder| {
                    builder.set_buckets_for_metric(
                        Matcher::Full("rally_match_quality".to_owned()),
                        QUALITY_BUCKETS,
                    )
                })
                // A full name takes precedence over the `_seconds` suffix.
                .and_then(|builder| {
                    builder.set_buckets_for_metric(
                        Matcher::Full("rally_time_to_match_seconds".to_owned()),
                        WAIT_BUCKETS_S,
                    )
                })
                .expect("BUG: the buckets are not empty")
                .install_recorder()
                .expect("BUG: nothing else installs a metrics recorder");
            catalogue::describe();
            metrics::gauge!("rally_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            handle
        })
        .clone()
}

/// The whole exposition: Rally's metrics, then the process's.
pub fn exposition(handle: &PrometheusHandle) -> String {
    let mut text = handle.render();
    text.push_str(&process::exposition());
    text
}

/// How often histogram samples are folded into their buckets and summaries.
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds recorded histogram samples into their buckets every `UPKEEP_EVERY` until `stop` is
/// cancelled. Without it the samples wait, one by one, for the next scrape of `/metrics`,
/// and a node nobody scrapes grows with every request.
pub async fn upkeep(handle: PrometheusHandle, stop: CancellationToken) {
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(UPKEEP_EVERY) => handle.run_upkeep(),
        }
    }
}

/// Middleware: counts each request and records its latency under its route template.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed().as_secs_f64();
    let status = response.status().as_u16().to_string();
    metrics::counter!("rally_http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("rally_http_request_duration_seconds", "method" => method, "route" => route)
        .record(elapsed);
    response
}

/// The `method` label: one of the standard methods, or `other` for any method a client made up.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        let invented = Method::from_bytes(b"BREW").expect("a token is a method");
        assert_eq!(method_label(&invented), "other");
    }

    #[test]
    fn waits_reach_minutes_and_requests_stay_in_seconds() {
        let handle = recorder();
        metrics::histogram!("rally_time_to_match_seconds", "mode" => "bucket_test", "region" => "eu")
            .record(40.0);
        metrics::histogram!("rally_http_request_duration_seconds", "method" => "GET", "route" => "/bucket_test")
            .record(0.002);
        let text = exposition(&handle);
        let has = |line: &str| text.lines().any(|l| l.starts_with(line));
        assert!(
            has(
                "rally_time_to_match_seconds_bucket{mode=\"bucket_test\",region=\"eu\",le=\"600\"} 1"
            ),
            "{text}"
        );
        assert!(has(
            "rally_time_to_match_seconds_bucket{mode=\"bucket_test\",region=\"eu\",le=\"30\"} 0"
        ));
        assert!(has(
            "rally_http_request_duration_seconds_bucket{method=\"GET\",route=\"/bucket_test\",le=\"0.0025\"} 1"
        ));
    }
}
