//! Every metric Rally records, with the help text Prometheus shows for it (`# HELP`).
//!
//! `docs/metrics.md` is the operators' copy of this list; a test reads the server's sources and
//! fails when a metric is recorded that is not described here, or described as another kind.

/// How a metric is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up (`_total`).
    Counter,
    /// Goes up and down.
    Gauge,
    /// Observations in buckets (durations in seconds; match quality 0 to 1).
    Histogram,
}

/// One metric of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Described {
    /// Its name, units in it.
    pub name: &'static str,
    /// How it is recorded.
    pub kind: Kind,
    /// What it counts or measures.
    pub help: &'static str,
}

const fn counter(name: &'static str, help: &'static str) -> Described {
    Described {
        name,
        kind: Kind::Counter,
        help,
    }
}

const fn gauge(name: &'static str, help: &'static str) -> Described {
    Described {
        name,
        kind: Kind::Gauge,
        help,
    }
}

const fn histogram(name: &'static str, help: &'static str) -> Described {
    Described {
        name,
        kind: Kind::Histogram,
        help,
    }
}

/// Every metric Rally records itself (the `process_*` ones are written at each scrape, see
/// [`super::process`]).
pub const CATALOGUE: &[Described] = &[
    gauge(
        "rally_build_info",
        "Always 1; the version of the rally binary.",
    ),
    // HTTP.
    counter(
        "rally_http_requests_total",
        "HTTP requests answered, by route template.",
    ),
    histogram(
        "rally_http_request_duration_seconds",
        "Time to answer an HTTP request.",
    ),
    counter(
        "rally_http_requests_shed_total",
        "Requests refused with 503 at the node's in-flight bound.",
    ),
    gauge(
        "rally_http_connections",
        "Open HTTP connections, WebSockets included.",
    ),
    counter(
        "rally_http_connections_refused_total",
        "Connections refused at the connection limit.",
    ),
    counter(
        "rally_http_connections_closed_early_total",
        "Idle connections asked to close to make room for new ones.",
    ),
    counter(
        "rally_http_accept_errors_total",
        "Errors accepting a connection, such as running out of file descriptors.",
    ),
    counter(
        "rally_password_hashes_refused_total",
        "Registrations and logins refused because too many password hashes were waiting.",
    ),
    // The gateway.
    gauge(
        "rally_ws_connections",
        "Open player sockets: the concurrent players of this node.",
    ),
    gauge(
        "rally_ws_sessions",
        "Gateway sessions kept for resumption, connected or not.",
    ),
    counter(
        "rally_ws_messages_in_total",
        "Frames received from players.",
    ),
    counter("rally_ws_messages_out_total", "Frames pushed to players."),
    histogram(
        "rally_ws_push_latency_seconds",
        "From an event's occurrence to its push on the socket.",
    ),
    counter(
        "rally_ws_slow_consumers_total",
        "Sockets closed because their player fell too far behind.",
    ),
    // Matchmaking.
    counter(
        "rally_tickets_queued_total",
        "Tickets accepted into a queue, by mode and the region of their bucket.",
    ),
    counter(
        "rally_tickets_cancelled_total",
        "Tickets that left their queue without a match.",
    ),
    counter(
        "rally_tickets_timed_out_total",
        "Tickets that waited past their queue's maximum wait.",
    ),
    gauge(
        "rally_queue_depth",
        "Players waiting, as the matchmaker that owns the queue counts them.",
    ),
    counter("rally_matches_total", "Matches made."),
    histogram(
        "rally_time_to_match_seconds",
        "Each matched ticket's wait, from accepted to matched.",
    ),
    histogram(
        "rally_matchmaking_latency_seconds",
        "From the matchmaker taking in the last of a match's tickets to the match being written.",
    ),
    histogram(
        "rally_match_quality",
        "Each match's quality score, from 0 to 1.",
    ),
    histogram(
        "rally_tick_duration_seconds",
        "The engine's tick inside a matchmaker round.",
    ),
    histogram(
        "rally_matchmaker_round_seconds",
        "A whole matchmaker round.",
    ),
    histogram(
        "rally_matchmaker_round_phase_seconds",
        "Each phase of a matchmaker round.",
    ),
    gauge(
        "rally_matchmaker_leases_held",
        "1 while this matchmaker owns the bucket (its lease), else 0; by mode and region.",
    ),
    gauge(
        "rally_matchmaker_widening_speed",
        "How many times as fast as the wall a queue tuned to a target wait widens each region's limits.",
    ),
    counter(
        "rally_matchmaker_leases_retaken_total",
        "Buckets whose lapsed lease this matchmaker took again.",
    ),
    counter(
        "rally_queue_status_dropped_total",
        "queue.status pushes skipped because a round had no time left for them.",
    ),
    counter("rally_backfills_filled_total", "Backfill requests filled."),
    // Game sessions and ratings.
    histogram(
        "rally_allocation_duration_seconds",
        "One game-server allocation attempt.",
    ),
    counter(
        "rally_allocation_failures_total",
        "Game-server allocation attempts that failed.",
    ),
    counter(
        "rally_voice_access_failures_total",
        "Voice accesses the provider failed to hand out for a party answer or a push (the player may ask again).",
    ),
    counter(
        "rally_friend_presence_pushes_deferred_total",
        "Changes of a player's presence put off: over the player's quota (told when allowed).",
    ),
    counter(
        "rally_player_blocks_total",
        "Blocks players made (a repeated block of the same player is not counted).",
    ),
    counter(
        "rally_chat_messages_total",
        "Chat messages sent, by channel kind: party, match, team or dm.",
    ),
    counter(
        "rally_chat_reports_total",
        "Chat messages reported by players.",
    ),
    counter(
        "rally_chat_messages_purged_total",
        "Chat messages deleted past their channel kind's retention.",
    ),
    counter(
        "rally_match_acceptances_total",
        "Accept steps of found matches, by how they ended: accepted, declined or expired.",
    ),
    gauge(
        "rally_sessions_running",
        "Game sessions allocated and not yet ended.",
    ),
    counter(
        "rally_heartbeat_misses_total",
        "Game sessions whose server missed its heartbeat deadline.",
    ),
    counter(
        "rally_sessions_abandoned_total",
        "Game sessions ended because their game server went silent.",
    ),
    counter(
        "rally_ratings_applied_total",
        "Match results applied to ratings, each exactly once.",
    ),
    counter("rally_bans_total", "Bans imposed."),
    counter(
        "rally_sanctions_total",
        "Sanctions given, by kind: ban, mute or cooldown.",
    ),
    counter(
        "rally_reports_total",
        "Reports players filed through POST /v1/reports, by category.",
    ),
    counter(
        "rally_reports_resolved_total",
        "Reports operators closed, by outcome: actioned or dismissed.",
    ),
    counter(
        "rally_appeals_total",
        "Appeals players filed against their sanctions.",
    ),
    counter(
        "rally_appeals_decided_total",
        "Appeals moderators decided, by decision: upheld or overturned.",
    ),
    // Events and backends.
    counter(
        "rally_outbox_published_total",
        "Outbox events published onto the streams.",
    ),
    gauge(
        "rally_outbox_lag_seconds",
        "Age of the oldest outbox event not yet published, as this node's relay last saw it.",
    ),
    gauge(
        "rally_events_consumer_pending",
        "Events a durable consumer of this node's roles has not yet acknowledged: the consumer lag.",
    ),
    counter(
        "rally_events_retried_total",
        "Deliveries a handler failed and asked to have again.",
    ),
    counter(
        "rally_events_dead_lettered_total",
        "Events set aside after too many failed deliveries.",
    ),
    counter(
        "rally_state_resets_total",
        "Times the state backend was found emptied and rebuilt from the store.",
    ),
    gauge(
        "rally_backend_up",
        "1 when the backend answered this node's last check, else 0.",
    ),
    histogram(
        "rally_backend_check_duration_seconds",
        "How long a backend took to answer this node's check.",
    ),
    counter(
        "rally_backend_errors_total",
        "Backend calls that failed while answering a request or relaying events.",
    ),
];

/// Registers every metric's help text with the process's recorder.
pub fn describe() {
    for metric in CATALOGUE {
        match metric.kind {
            Kind::Counter => metrics::describe_counter!(metric.name, metric.help),
            Kind::Gauge => metrics::describe_gauge!(metric.name, metric.help),
            Kind::Histogram => metrics::describe_histogram!(metric.name, metric.help),
        }
    }
}

/// The catalogue entry of `name`.
pub fn find(name: &str) -> Option<&'static Described> {
    CATALOGUE.iter().find(|m| m.name == name)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Every `metrics::<kind>!("name"` in the server's sources, as (kind, name, file).
    fn recorded(dir: &Path, found: &mut Vec<(Kind, String, String)>) {
        for entry in std::fs::read_dir(dir).expect("the sources are readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                recorded(&path, found);
                continue;
            }
            // This file names the macros in its scan, not in a recording.
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with(file!()) {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a source file is text");
            for (macro_name, kind) in [
                ("metrics::counter!(", Kind::Counter),
                ("metrics::gauge!(", Kind::Gauge),
                ("metrics::histogram!(", Kind::Histogram),
            ] {
                for (at, _) in text.match_indices(macro_name) {
                    let rest = text[at + macro_name.len()..].trim_start();
                    let Some(quoted) = rest.strip_prefix('"') else {
                        continue;
                    };
                    let name = quoted.split('"').next().unwrap_or_default().to_owned();
                    found.push((kind, name, path.display().to_string()));
                }
            }
        }
    }

    #[test]
    fn every_metric_the_server_records_is_described_as_its_kind() {
        let mut found = Vec::new();
        recorded(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        assert!(found.len() > 30, "the scan found too little: {found:?}");
        for (kind, name, file) in &found {
            let described =
                find(name).unwrap_or_else(|| panic!("{name} ({file}) is not in the catalogue"));
            assert_eq!(described.kind, *kind, "{name} ({file})");
        }
        for metric in CATALOGUE {
            assert!(
                found.iter().any(|(_, name, _)| name == metric.name),
                "{} is described but never recorded",
                metric.name
            );
        }
    }

    #[test]
    fn names_follow_the_prometheus_conventions() {
        for metric in CATALOGUE {
            let name = metric.name;
            assert!(name.starts_with("rally_"), "{name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{name}"
            );
            assert_eq!(
                metric.kind == Kind::Counter,
                name.ends_with("_total"),
                "{name}"
            );
            if metric.kind == Kind::Histogram {
                assert!(
                    name.ends_with("_seconds") || name == "rally_match_quality",
                    "{name}: durations are histograms in seconds"
                );
            }
            assert!(!name.contains("_ms"), "{name}: seconds, not milliseconds");
            assert!(metric.help.ends_with('.'), "{name}: help is a sentence");
        }
        let mut names: Vec<_> = CATALOGUE.iter().map(|m| m.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len(), "a metric is described twice");
    }
}
