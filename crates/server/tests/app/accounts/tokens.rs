//! Tokens: refresh rotation and reuse detection, logout, and access tokens that must be
//! refused (missing, unsigned, forged, expired, future-dated).

use base64::Engine;
use rally_server::{
    accounts::AccessTokens,
    settings::{Secret, Secrets},
};

use super::*;

fn player_id(auth: &Value) -> uuid::Uuid {
    auth["player"]["id"].as_str().unwrap().parse().unwrap()
}

on_both_backends! {
    async fn refresh_rotates_the_pair_and_spends_the_old_token(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let auth = register(&app, "rotator").await;
        let answer = refresh(&app, &token(&auth, "refresh_token")).await;
        assert_eq!(answer.status, 200, "{}", text(&answer));
        let next = answer.json();
        assert_ne!(next["refresh_token"], auth["refresh_token"]);
        assert_eq!(next["player"]["id"], auth["player"]["id"]);
        assert_eq!(me(&app, &token(&next, "access_token")).await.status, 200);
        let again = refresh(&app, &token(&next, "refresh_token")).await;
        assert_eq!(again.status, 200, "{}", text(&again));
    }

    async fn refresh_token_reuse_revokes_the_whole_family(backend: Backend) {
        // No reuse interval: the second presentation is reuse however soon it comes.
        let app = backend.spawn(&[("refresh_reuse_interval_s", "0")]).await;
        let auth = register(&app, "victim").await;
        let stolen = token(&auth, "refresh_token");
        let legit = refresh(&app, &stolen).await.json();
        // Someone presents the spent token again: the whole login is revoked.
        let reuse = refresh(&app, &stolen).await;
        assert_eq!(problem(&reuse), (401, "refresh_token_reused".to_owned()));
        let successor = refresh(&app, &token(&legit, "refresh_token")).await;
        assert_eq!(problem(&successor), (401, "refresh_token_revoked".to_owned()));
        // Another login of the same player is untouched.
        let other = login(&app, "victim", PASSWORD).await.json();
        assert_eq!(refresh(&app, &token(&other, "refresh_token")).await.status, 200);
    }

    async fn a_retried_refresh_within_the_reuse_interval_gets_the_same_pair(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let auth = register(&app, "retrier").await;
        let spent = token(&auth, "refresh_token");
        // Two refreshes with one token at once, as a client retrying after a timeout sends.
        let (first, second) = tokio::join!(refresh(&app, &spent), refresh(&app, &spent));
        assert_eq!((first.status, second.status), (200, 200), "{} / {}", text(&first), text(&second));
        let (first, second) = (first.json(), second.json());
        assert_eq!(first["refresh_token"], second["refresh_token"]);
        assert_eq!(first["access_token"], second["access_token"]);
        // A third try, later within the interval: the same pair again; the login lives on.
        assert_eq!(refresh(&app, &spent).await.json()["refresh_token"], first["refresh_token"]);
        let next = refresh(&app, &token(&first, "refresh_token")).await;
        assert_eq!(next.status, 200, "{}", text(&next));
        assert_eq!(me(&app, &token(&next.json(), "access_token")).await.status, 200);
    }

    async fn a_retry_whose_successor_the_state_lost_gets_the_only_live_pair_of_the_login(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let auth = register(&app, "forgotten").await;
        let spent = token(&auth, "refresh_token");
        let first = refresh(&app, &spent).await.json();
        // What a Redis that restarted empty looks like to the next retry.
        let state = &app.state().backends().state;
        let hash: String = rally_server::accounts::refresh_secret::hash(&spent)
            .unwrap()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(state.delete(&format!("refresh-successor:{hash}")).await.unwrap(), "the successor was kept");
        let retry = refresh(&app, &spent).await;
        assert_eq!(retry.status, 200, "{}", text(&retry));
        assert_ne!(retry.json()["refresh_token"], first["refresh_token"]);
        // The login lives on with one chain: the pair nobody can vouch for is revoked.
        let earlier = refresh(&app, &token(&first, "refresh_token")).await;
        assert_eq!(problem(&earlier), (401, "refresh_token_revoked".to_owned()));
        assert_eq!(refresh(&app, &token(&retry.json(), "refresh_token")).await.status, 200);
    }

    async fn logout_kills_the_refresh_token_of_this_login_only(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let first = register(&app, "leaver").await;
        let second = login(&app, "leaver", PASSWORD).await.json();
        let out = app.call("POST", "/v1/auth/logout", None, Some(&token(&first, "access_token"))).await;
        assert_eq!(out.status, 204, "{}", text(&out));
        assert_eq!(problem(&refresh(&app, &token(&first, "refresh_token")).await), (401, "refresh_token_revoked".to_owned()));
        assert_eq!(refresh(&app, &token(&second, "refresh_token")).await.status, 200);
    }

    async fn logout_with_all_kills_every_login_of_the_player(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let first = register(&app, "everywhere").await;
        let second = login(&app, "everywhere", PASSWORD).await.json();
        let out = app
            .call("POST", "/v1/auth/logout", Some(json!({ "all": true })), Some(&token(&first, "access_token")))
            .await;
        assert_eq!(out.status, 204, "{}", text(&out));
        for auth in [&first, &second] {
            let answer = refresh(&app, &token(auth, "refresh_token")).await;
            assert_eq!(problem(&answer), (401, "refresh_token_revoked".to_owned()));
        }
        let unknown = app
            .call("POST", "/v1/auth/logout", Some(json!({ "everything": true })), Some(&token(&second, "access_token")))
            .await;
        assert_eq!(problem(&unknown), (400, "bad_json".to_owned()));
    }

    async fn unknown_or_malformed_refresh_tokens_are_refused(backend: Backend) {
        let app = backend.spawn(&[]).await;
        register(&app, "someone").await;
        for bad in ["", "short", "' OR 1=1 --", &"A".repeat(43)] {
            assert_eq!(problem(&refresh(&app, bad).await), (401, "invalid_refresh_token".to_owned()), "{bad}");
        }
    }

    async fn access_tokens_that_are_missing_unsigned_forged_expired_or_future_dated_are_refused(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let auth = register(&app, "target").await;
        let id = player_id(&auth);
        let family = uuid::Uuid::now_v7();
        let state = app.state();

        let missing = app.get("/v1/profile/me").await;
        assert_eq!(problem(&missing), (401, "unauthorized".to_owned()));
        let basic = app
            .send(axum::http::Request::get("/v1/profile/me").header("authorization", "Basic dXNlcjpwYXNz")
                .body(axum::body::Body::empty()).unwrap())
            .await;
        assert_eq!(problem(&basic), (401, "unauthorized".to_owned()));

        let genuine = token(&auth, "access_token");
        let claims = genuine.split('.').nth(1).unwrap();
        let none = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(problem(&me(&app, &format!("{none}.{claims}.")).await), (401, "invalid_token".to_owned()));
        let tampered = format!("{genuine}x");
        assert_eq!(problem(&me(&app, &tampered).await), (401, "invalid_token".to_owned()));

        let stranger = AccessTokens::new(state.settings(), &Secrets {
            token_signing_key: Secret::new("another-key-entirely-0123456789abcdef"),
            session_token_key: Secret::new("s"),
            server_key: Secret::new("k"),
        }, state.clock().clone());
        let forged = stranger.issue(id, family).unwrap();
        assert_eq!(problem(&me(&app, &forged).await), (401, "invalid_token".to_owned()));

        let now = state.accounts().tokens().now();
        let expired = state.accounts().tokens().issue_at(id, family, now - 7200, now - 3600).unwrap();
        assert_eq!(problem(&me(&app, &expired).await), (401, "token_expired".to_owned()));
        let future = state.accounts().tokens().issue_at(id, family, now + 3600, now + 7200).unwrap();
        assert_eq!(problem(&me(&app, &future).await), (401, "invalid_token".to_owned()));
        assert_eq!(me(&app, &genuine).await.status, 200);
    }
}

#[tokio::test]
async fn a_token_signed_with_a_previous_key_is_accepted_after_rotation() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().display().to_string();
    let old_key = "old-signing-key-0123456789abcdefghijkl";
    let before = crate::harness::spawn_app(&[
        ("data_dir", dir.clone()),
        ("token_signing_key", old_key.to_owned()),
    ])
    .await;
    let auth = register(&before, "rotated").await;
    drop(before);
    let after = crate::harness::spawn_app(&[
        ("data_dir", dir),
        (
            "token_signing_key",
            "new-signing-key-0123456789abcdefghijkl".to_owned(),
        ),
        ("previous_token_signing_keys", old_key.to_owned()),
    ])
    .await;
    assert_eq!(me(&after, &token(&auth, "access_token")).await.status, 200);
}
