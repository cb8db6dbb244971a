//! What every client sees whatever the route: health, errors as problems, request ids, metrics,
//! the OpenAPI document and its docs page.

use axum::{body::Body, http::Request};

use crate::harness::spawn_app;

#[tokio::test]
async fn healthz_answers_while_the_process_is_alive() {
    let app = spawn_app(&[]).await;
    let answer = app.get("/healthz").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["status"], "alive");
}

#[tokio::test]
async fn readyz_lists_every_embedded_backend_with_its_latency() {
    let app = spawn_app(&[]).await;
    let answer = app.get("/readyz").await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let report = answer.json();
    assert_eq!(report["status"], "ready");
    let names: Vec<&str> = report["backends"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["sqlite", "memory", "in-process"]);
    assert!(report["backends"][0]["latency_ms"].as_f64().unwrap() >= 0.0);
}

#[tokio::test]
async fn an_unknown_route_is_a_problem_with_a_code_and_the_request_id() {
    let app = spawn_app(&[]).await;
    let answer = app.get("/v1/nowhere").await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.content_type(), "application/problem+json");
    let problem = answer.json();
    assert_eq!(problem["code"], "not_found");
    assert_eq!(problem["status"], 404);
    let header = answer
        .headers
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(problem["request_id"], header);
}

#[tokio::test]
async fn a_wrong_method_is_a_problem() {
    let app = spawn_app(&[]).await;
    let answer = app
        .send(Request::post("/healthz").body(Body::empty()).unwrap())
        .await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.content_type(), "application/problem+json");
    assert_eq!(answer.json()["code"], "method_not_allowed");
}

#[tokio::test]
async fn a_request_id_from_the_client_is_kept_and_an_odd_one_replaced() {
    let app = spawn_app(&[]).await;
    let kept = app
        .send(
            Request::get("/healthz")
                .header("x-request-id", "client-abc-123")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(kept.headers["x-request-id"], "client-abc-123");
    let replaced = app
        .send(
            Request::get("/healthz")
                .header("x-request-id", "has spaces in it")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let id = replaced.headers["x-request-id"].to_str().unwrap();
    assert_ne!(id, "has spaces in it");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
}

#[tokio::test]
async fn metrics_count_requests_per_route_in_prometheus_text() {
    let app = spawn_app(&[]).await;
    app.get("/healthz").await;
    let answer = app.get("/metrics").await;
    assert_eq!(answer.status, 200);
    let text = String::from_utf8(answer.body).unwrap();
    assert!(
        text.contains(
            "rally_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"
        ),
        "{text}"
    );
    assert!(
        text.contains("rally_http_request_duration_seconds_bucket"),
        "{text}"
    );
}

/// Every family in the exposition says what it is, the binary's version is there, and so are
/// the process's own metrics and the backends' checks.
#[tokio::test]
async fn metrics_describe_themselves_and_the_process_and_backends() {
    let app = spawn_app(&[]).await;
    app.get("/readyz").await;
    let text = String::from_utf8(app.get("/metrics").await.body).unwrap();
    for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
        let family = line.split_whitespace().nth(2).unwrap();
        assert!(
            text.contains(&format!("# HELP {family} ")),
            "{family} has no help: {text}"
        );
        assert!(
            !line.ends_with(" summary"),
            "{family} is a summary; histograms aggregate across nodes"
        );
    }
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        text.contains(&format!("rally_build_info{{version=\"{version}\"}} 1")),
        "{text}"
    );
    #[cfg(target_os = "linux")]
    assert!(text.contains("\nprocess_resident_memory_bytes "), "{text}");
    // The readiness check is recorded, as the node's own checks are: the embedded store answers.
    assert!(
        text.contains("rally_backend_up{backend=\"store\",name=\"sqlite\"} 1"),
        "{text}"
    );
}

/// Invented methods and paths must not become label values: 20,000 requests, each with a
/// method and a path of its own, add no series beyond the few of the closed set.
#[tokio::test]
async fn invented_methods_and_paths_leave_the_metrics_bounded() {
    let app = spawn_app(&[]).await;
    let series = |text: &str| {
        text.lines()
            .filter(|line| line.starts_with("rally_http_requests_total{"))
            .count()
    };
    let invented = |i: usize| (format!("X{i:05}INVENTED"), format!("/made/up/{i}"));
    let mut before = String::new();
    for i in 0..20_000 {
        if i == 10 {
            // The first invented requests made the series of the closed set; none after them.
            before = String::from_utf8(app.get("/metrics").await.body).unwrap();
        }
        let (method, path) = invented(i);
        let request = Request::builder()
            .method(method.as_str())
            .uri(path)
            .body(Body::empty())
            .unwrap();
        assert_eq!(app.send(request).await.status, 404);
    }
    let after = String::from_utf8(app.get("/metrics").await.body).unwrap();
    eprintln!(
        "after 19,990 invented requests: {} -> {} request series, {} -> {} bytes of /metrics",
        series(&before),
        series(&after),
        before.len(),
        after.len()
    );
    assert!(
        !after.contains("INVENTED"),
        "an invented method became a label"
    );
    assert!(
        !after.contains("/made/up/"),
        "an unmatched path became a label"
    );
    // Other tests of this binary share the recorder and may add their routes meanwhile; the
    // 19,990 invented requests themselves add none.
    let other: Vec<&str> = after
        .lines()
        .filter(|line| line.contains("method=\"other\""))
        .collect();
    assert!(other.len() <= 30, "{other:#?}");
    assert!(
        series(&after) <= series(&before) + 20,
        "series grew from {} to {}",
        series(&before),
        series(&after)
    );
    // The invented requests' own lines grow only as their counts and sums gain digits.
    let invented_lines = |text: &str| -> usize {
        text.lines()
            .filter(|line| line.contains("method=\"other\"") || line.contains("\"unmatched\""))
            .map(str::len)
            .sum()
    };
    assert!(
        invented_lines(&after) < invented_lines(&before) + 1_000,
        "the invented requests' lines grew from {} to {} bytes",
        invented_lines(&before),
        invented_lines(&after)
    );
}

/// The whole HTTP contract (every route, status, schema and problem code in `/openapi.json`)
/// compared with the recorded `tests/snapshots/openapi.json`: a refactoring must leave it as it
/// is. After an intended change to the API, rewrite the file with `RALLY_UPDATE_SNAPSHOTS=1` and
/// review its diff.
#[tokio::test]
async fn the_openapi_document_matches_its_recorded_snapshot() {
    let app = spawn_app(&[]).await;
    let answer = app.get("/openapi.json").await;
    assert_eq!(answer.status, 200);
    let document = answer.json();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json");
    if std::env::var_os("RALLY_UPDATE_SNAPSHOTS").is_some() {
        let text = serde_json::to_string_pretty(&document).unwrap();
        std::fs::write(&path, text + "\n").unwrap();
    }
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the recorded document"))
            .expect("the recorded document is JSON");
    for (route, operations) in recorded["paths"].as_object().unwrap() {
        assert_eq!(
            &document["paths"][route], operations,
            "{route} changed in /openapi.json"
        );
    }
    assert_eq!(document, recorded, "/openapi.json changed");
}

#[tokio::test]
async fn the_openapi_document_lists_the_routes_and_the_docs_page_serves() {
    let app = spawn_app(&[]).await;
    let answer = app.get("/openapi.json").await;
    assert_eq!(answer.status, 200);
    let document = answer.json();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/v1/auth/register",
        "/v1/auth/login",
        "/v1/auth/refresh",
        "/v1/auth/logout",
        "/v1/profile/me",
        "/v1/profile/{player_id}",
    ] {
        assert!(
            document["paths"][path].is_object(),
            "{path} missing from the document"
        );
    }
    assert!(document["paths"]["/v1/profile/me"]["patch"].is_object());
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for schema in [
        "RegisterRequest",
        "AuthResponse",
        "PlayerProfile",
        "PublicProfile",
    ] {
        assert!(
            document["components"]["schemas"][schema].is_object(),
            "{schema} missing from the document"
        );
    }
    let docs = app.get("/docs/").await;
    assert_eq!(docs.status, 200);
    assert!(
        String::from_utf8_lossy(&docs.body).contains("swagger"),
        "not the docs page"
    );
}

#[tokio::test]
async fn serve_returns_once_its_shutdown_future_completes() {
    let mut app = spawn_app(&[]).await;
    let node = app.take_app();
    let addr = node.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(node.serve(async move {
        let _ = stopped.await;
    }));
    // The node answers on its socket (bound when it was built)...
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_ok(),
        "the node never accepted a connection"
    );
    // ...and stops cleanly when told to.
    stop.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(30), server)
        .await
        .expect("serve did not return after shutdown")
        .unwrap()
        .unwrap();
}

/// Past `max_requests_in_flight` a player's request is shed at once with 503 and `Retry-After`,
/// while probes are still answered and game servers have slots of their own.
#[tokio::test]
async fn requests_past_the_in_flight_bound_are_shed_with_503_but_probes_and_game_servers_are_not() {
    let app = spawn_app(&[("max_requests_in_flight", "1".into())]).await;
    let slow = app.post(
        "/v1/auth/register",
        serde_json::json!({ "username": "holder", "email": "holder@example.com", "password": "correct horse battery" }),
    );
    let shed = app.get("/v1/queues");
    let probe = app.get("/healthz");
    // Admitted, so refused for its missing key rather than shed.
    let game_server = app.post(
        "/v1/server/sessions/00000000-0000-0000-0000-000000000000/heartbeat",
        serde_json::json!({}),
    );
    let (slow, shed, probe, game_server) = tokio::join!(slow, shed, probe, game_server);
    assert_eq!(slow.status, 201);
    assert_eq!(shed.status, 503, "{}", String::from_utf8_lossy(&shed.body));
    assert_eq!(shed.json()["code"], "backend_unavailable");
    assert_eq!(shed.headers["retry-after"], "1");
    assert_eq!(probe.status, 200);
    assert_eq!(game_server.status, 401);
    assert_eq!(game_server.json()["code"], "invalid_server_key");
    // Once the slot is free again, requests are admitted.
    assert_eq!(app.get("/v1/queues").await.status, 401);
}
