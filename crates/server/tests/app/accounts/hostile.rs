//! Hostile and malformed input: each a 4xx problem with a stable code, never a 500, and
//! nothing stored changes.

use axum::{body::Body, http::Request};

use super::*;

fn raw(path: &str, content_type: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(path)
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap()
}

on_both_backends! {
    async fn malformed_bodies_are_problems_and_store_nothing(backend: Backend) {
        let app = backend.spawn(&[("body_limit_bytes", "2048")]).await;
        let path = "/v1/auth/register";
        let cases: Vec<(Request<Body>, u16, &str)> = vec![
            (raw(path, "application/json", br#"{"username":"mallory""#.to_vec()), 400, "bad_json"),
            (raw(path, "application/json", br#"{"username":"mallory","password":"x"}"#.to_vec()), 400, "bad_json"),
            (raw(path, "application/json", br#"{"username":"mallory","email":"m@example.com","password":"long enough","admin":true}"#.to_vec()), 400, "bad_json"),
            (raw(path, "application/json", br#"{"username":42,"email":"m@example.com","password":"long enough"}"#.to_vec()), 400, "bad_json"),
            (raw(path, "application/json", b"{\"username\":\"mal\xff\xfelory\",\"email\":\"m@example.com\",\"password\":\"long enough\"}".to_vec()), 400, "bad_json"),
            (raw(path, "text/plain", br#"{"username":"mallory","email":"m@example.com","password":"long enough"}"#.to_vec()), 400, "bad_json"),
            (raw(path, "application/json", format!(r#"{{"username":"mallory","email":"m@example.com","password":"{}"}}"#, "x".repeat(4096)).into_bytes()), 413, "payload_too_large"),
        ];
        for (request, status, code) in cases {
            let answer = app.send(request).await;
            let (got_status, got_code) = problem(&answer);
            assert_eq!((got_status, got_code.as_str()), (status, code), "{}", text(&answer));
        }
        let store = &app.state().backends().store;
        assert!(store.find_player_by_username("mallory").await.unwrap().is_none());
    }

    async fn an_oversized_login_or_refresh_is_413_and_never_hashed(backend: Backend) {
        let app = backend.spawn(&[("body_limit_bytes", "2048")]).await;
        let big = "y".repeat(10_000);
        let answer = app.post("/v1/auth/login", json!({ "login": big, "password": big })).await;
        assert_eq!(problem(&answer), (413, "payload_too_large".to_owned()));
        let answer = app.post("/v1/auth/refresh", json!({ "refresh_token": big })).await;
        assert_eq!(problem(&answer), (413, "payload_too_large".to_owned()));
    }
}
