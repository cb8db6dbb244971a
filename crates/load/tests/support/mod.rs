//! What the load crate's tests share: the TLS provider every binary installs, and a check that
//! a latency summary is a summary.

#![allow(dead_code)]

use rally_load::Latency;

/// Installs the TLS provider, as the `rally` binary does (idempotent).
pub fn tls() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Asserts that `latency` has samples and ordered percentiles.
#[track_caller]
pub fn assert_sane(name: &str, latency: &Latency) {
    assert!(latency.count > 0, "{name}: no samples");
    assert!(
        latency.p50 <= latency.p95 && latency.p95 <= latency.p99 && latency.p99 <= latency.max,
        "{name}: percentiles out of order: {latency:?}"
    );
}
