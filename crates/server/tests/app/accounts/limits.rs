//! Rate limits: per address on login and registration, per account on login failures, per
//! player on the API; across nodes sharing Redis; and whose address counts.

use super::*;

fn retry_after(answer: &Answer) -> u64 {
    let header: u64 = answer.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(answer.json()["retry_after_s"], header);
    assert!(header >= 1);
    header
}

on_both_backends! {
    async fn logins_from_one_address_beyond_the_limit_get_429_with_retry_after(backend: Backend) {
        let app = backend.spawn(&[("login_limit_per_minute", "3")]).await;
        register(&app, "busy").await;
        for _ in 0..3 {
            assert_eq!(login(&app, "busy", PASSWORD).await.status, 200);
        }
        let refused = login(&app, "busy", PASSWORD).await;
        assert_eq!(problem(&refused), (429, "rate_limited".to_owned()));
        retry_after(&refused);
    }

    async fn registrations_from_one_address_beyond_the_limit_get_429(backend: Backend) {
        let app = backend.spawn(&[("register_limit_per_hour", "2")]).await;
        register(&app, "one").await;
        register(&app, "two").await;
        let refused = app
            .post("/v1/auth/register", json!({ "username": "three", "email": "3@example.com", "password": PASSWORD }))
            .await;
        assert_eq!(problem(&refused), (429, "rate_limited".to_owned()));
        assert!(app.state().backends().store.find_player_by_username("three").await.unwrap().is_none());
    }

    async fn an_account_is_locked_after_too_many_failures_even_for_the_right_password(backend: Backend) {
        let app = backend.spawn(&[("login_failure_limit", "3")]).await;
        register(&app, "guarded").await;
        for _ in 0..3 {
            assert_eq!(problem(&login(&app, "guarded", "wrong guess!").await).1, "invalid_credentials");
        }
        let locked = login(&app, "GUARDED@example.com", PASSWORD).await;
        assert_eq!(problem(&locked), (429, "rate_limited".to_owned()));
        retry_after(&locked);
        // A login text with no account is locked out the same way.
        for _ in 0..3 {
            assert_eq!(problem(&login(&app, "ghost", "wrong guess!").await).1, "invalid_credentials");
        }
        assert_eq!(problem(&login(&app, "ghost", "wrong guess!").await).1, "rate_limited");
        // Other accounts are not affected.
        register(&app, "bystander").await;
        assert_eq!(login(&app, "bystander", PASSWORD).await.status, 200);
    }

    async fn a_player_beyond_the_api_budget_gets_429(backend: Backend) {
        let app = backend.spawn(&[("api_limit_per_minute", "3")]).await;
        let auth = register(&app, "spammer").await;
        let other = register(&app, "calm").await;
        let access = token(&auth, "access_token");
        for _ in 0..3 {
            assert_eq!(me(&app, &access).await.status, 200);
        }
        let refused = me(&app, &access).await;
        assert_eq!(problem(&refused), (429, "rate_limited".to_owned()));
        retry_after(&refused);
        assert_eq!(me(&app, &token(&other, "access_token")).await.status, 200);
    }
}

#[tokio::test]
async fn the_login_limit_holds_across_two_nodes_sharing_redis() {
    let backend = Backend::networked().await;
    let first = backend.spawn(&[("login_limit_per_minute", "4")]).await;
    let second = backend.spawn(&[("login_limit_per_minute", "4")]).await;
    register(&first, "roamer").await;
    assert_eq!(login(&first, "roamer", PASSWORD).await.status, 200);
    assert_eq!(login(&second, "roamer", PASSWORD).await.status, 200);
    assert_eq!(login(&first, "roamer", PASSWORD).await.status, 200);
    assert_eq!(login(&second, "roamer", PASSWORD).await.status, 200);
    assert_eq!(
        problem(&login(&first, "roamer", PASSWORD).await).1,
        "rate_limited"
    );
    assert_eq!(
        problem(&login(&second, "roamer", PASSWORD).await).1,
        "rate_limited"
    );
}

#[tokio::test]
async fn a_ban_on_one_node_stops_the_live_token_on_another_sharing_redis() {
    let backend = Backend::networked().await;
    let first = backend.spawn(&[]).await;
    let second = backend.spawn(&[]).await;
    let auth = register(&first, "banned_everywhere").await;
    let access = token(&auth, "access_token");
    assert_eq!(me(&second, &access).await.status, 200);
    let id: uuid::Uuid = auth["player"]["id"].as_str().unwrap().parse().unwrap();
    rally_server::accounts::profile::set_status(
        first.state().accounts(),
        id,
        rally_store::PlayerStatus::Banned,
    )
    .await
    .unwrap();
    assert_eq!(
        problem(&me(&second, &access).await),
        (403, "account_banned".to_owned())
    );
}

async fn login_from(app: &TestApp, client: &str) -> u16 {
    let request = axum::http::Request::post("/v1/auth/login")
        .header("content-type", "application/json")
        .header("x-forwarded-for", client)
        .body(axum::body::Body::from(
            r#"{"login":"nobody","password":"whatever1"}"#,
        ))
        .unwrap();
    app.send(request).await.status
}

#[tokio::test]
async fn forwarded_for_counts_only_behind_a_trusted_proxy() {
    let peer = std::net::IpAddr::from(crate::harness::PEER.0).to_string();
    for (trusted, separate) in [(peer.as_str(), true), ("198.51.100.1", false)] {
        let app = crate::harness::spawn_app(&[
            ("login_limit_per_minute", "1".to_owned()),
            ("trusted_proxies", trusted.to_owned()),
        ])
        .await;
        assert_eq!(login_from(&app, "203.0.113.1").await, 401);
        let second_client = login_from(&app, "203.0.113.2").await;
        if separate {
            assert_eq!(
                second_client, 401,
                "each client behind a trusted proxy has its own limit"
            );
            assert_eq!(login_from(&app, "203.0.113.1").await, 429);
        } else {
            assert_eq!(
                second_client, 429,
                "an untrusted peer's forwarded-for is ignored"
            );
        }
    }
}

/// One HTTP/1.1 request over a real socket; the status code.
async fn post_over_socket(addr: std::net::SocketAddr, forwarded_for: &str, body: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST /v1/auth/login HTTP/1.1\r\nhost: {addr}\r\nx-forwarded-for: {forwarded_for}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer.split(' ').nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_served_node_sees_the_socket_peer_and_trusts_it_only_when_configured() {
    // The peer (127.0.0.1) is a trusted proxy: each forwarded client has its own limit, which
    // only works if the server saw the peer's address on the socket.
    let mut app = crate::harness::spawn_app(&[
        ("login_limit_per_minute", "1".to_owned()),
        ("trusted_proxies", "127.0.0.1".to_owned()),
    ])
    .await;
    let node = app.take_app();
    let addr = node.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(node.serve(async move {
        let _ = stopped.await;
    }));
    let body = r#"{"login":"nobody","password":"whatever1"}"#;
    // The listener is bound when the node is built: the request waits for it to serve.
    assert_eq!(post_over_socket(addr, "203.0.113.1", body).await, 401);
    assert_eq!(post_over_socket(addr, "203.0.113.2", body).await, 401);
    assert_eq!(post_over_socket(addr, "203.0.113.1", body).await, 429);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// A burst of registrations beyond what the cores can hash is refused at once with 503 and
/// `Retry-After`, instead of queueing; what was admitted is stored, what was refused is not,
/// and the rest of the API answers meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_burst_past_the_hashing_capacity_gets_503_with_retry_after() {
    let app = crate::harness::spawn_app(&[("register_limit_per_hour", "1000".into())]).await;
    let auth = register(&app, "bystander").await;
    let access = token(&auth, "access_token");
    // More than the node's hashing admits at once: a hash per core and 16 per core waiting.
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let attempts = cores * (1 + rally_server::accounts::password::WAITING_PER_CORE) + 60;
    let burst = (0..attempts).map(|i| {
        let app = &app;
        async move {
            let name = format!("burst_{i:03}");
            let answer = app
                .post("/v1/auth/register", json!({ "username": name, "email": format!("{name}@example.com"), "password": PASSWORD }))
                .await;
            (name, answer)
        }
    });
    let (answers, profile) = tokio::join!(futures::future::join_all(burst), me(&app, &access));
    assert_eq!(profile.status, 200, "{}", text(&profile));
    let store = &app.state().backends().store;
    let mut refused = 0;
    for (name, answer) in &answers {
        let stored = store.find_player_by_username(name).await.unwrap().is_some();
        match answer.status {
            201 => assert!(stored, "{name} was answered 201 but not stored"),
            503 => {
                refused += 1;
                assert_eq!(problem(answer).1, "backend_unavailable");
                assert_eq!(answer.headers["retry-after"], "1");
                assert!(!stored, "{name} was refused but stored");
            }
            other => panic!("{name}: {other} {}", text(answer)),
        }
    }
    assert!(
        refused > 0,
        "{attempts} registrations at once were all queued"
    );
    eprintln!("{refused} of {attempts} simultaneous registrations refused with 503");
}
