//! Profiles: changes, their event, secrets behind the current password, public profiles.

use super::*;

async fn patch(app: &TestApp, token: &str, body: Value) -> Answer {
    app.call("PATCH", "/v1/profile/me", Some(body), Some(token))
        .await
}

on_both_backends! {
    async fn a_profile_change_sets_the_named_fields_and_writes_profile_updated(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let auth = register(&app, "painter").await;
        let access = token(&auth, "access_token");
        let answer = patch(&app, &access, json!({ "display_name": "The Painter", "region": "na",
                                                  "avatar_url": "https://cdn.example.com/p.png" })).await;
        assert_eq!(answer.status, 200, "{}", text(&answer));
        let profile = answer.json();
        assert_eq!(profile["display_name"], "The Painter");
        assert_eq!(profile["region"], "na");
        assert_eq!(profile["avatar_url"], "https://cdn.example.com/p.png");
        assert_eq!(profile["email"], "painter@example.com");
        assert_eq!(me(&app, &access).await.json(), profile);
        let events = outbox(&app, "profile.updated").await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["player_id"], auth["player"]["id"]);
        assert_eq!(events[0]["changed"], json!(["display_name", "region", "avatar_url"]));
    }

    async fn the_email_and_the_password_change_only_with_the_current_password(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let auth = register(&app, "careful").await;
        let other_login = login(&app, "careful", PASSWORD).await.json();
        let access = token(&auth, "access_token");
        let without = patch(&app, &access, json!({ "email": "new@example.com" })).await;
        assert_eq!(problem(&without), (403, "current_password_required".to_owned()));
        let wrong = patch(&app, &access, json!({ "new_password": "brand new password", "current_password": "nope nope" })).await;
        assert_eq!(problem(&wrong), (403, "current_password_required".to_owned()));
        assert!(outbox(&app, "profile.updated").await.is_empty());

        let changed = patch(&app, &access, json!({ "email": "new@example.com", "new_password": "brand new password",
                                                   "current_password": PASSWORD })).await;
        assert_eq!(changed.status, 200, "{}", text(&changed));
        assert_eq!(changed.json()["email"], "new@example.com");
        assert_eq!(problem(&login(&app, "careful", PASSWORD).await).1, "invalid_credentials");
        assert_eq!(login(&app, "new@example.com", "brand new password").await.status, 200);
        // This login goes on; every other one ended with the password change.
        assert_eq!(refresh(&app, &token(&auth, "refresh_token")).await.status, 200);
        assert_eq!(problem(&refresh(&app, &token(&other_login, "refresh_token")).await).1, "refresh_token_revoked");
        let event = &outbox(&app, "profile.updated").await[0];
        assert_eq!(event["changed"], json!(["email", "password"]));
        assert!(!event.to_string().contains("new@example.com"));
    }

    async fn wrong_current_passwords_count_as_failed_logins_and_lock_the_account(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let auth = register(&app, "stolen").await;
        let access = token(&auth, "access_token");
        // Default `login_failure_limit`: 5 guesses, then the lock.
        for _ in 0..5 {
            let guess = patch(&app, &access, json!({ "new_password": "attacker password", "current_password": "guess guess" })).await;
            assert_eq!(problem(&guess), (403, "current_password_required".to_owned()));
        }
        let right = patch(&app, &access, json!({ "new_password": "attacker password", "current_password": PASSWORD })).await;
        assert_eq!(problem(&right), (429, "rate_limited".to_owned()));
        assert!(right.headers.contains_key("retry-after"));
        // The same lock as logins: the account's own login waits too, and nothing changed.
        assert_eq!(problem(&login(&app, "stolen", PASSWORD).await), (429, "rate_limited".to_owned()));
        assert!(outbox(&app, "profile.updated").await.is_empty());
    }

    async fn a_profile_change_to_a_taken_email_or_a_bad_value_changes_nothing(backend: Backend) {
        let app = backend.spawn(&[]).await;
        register(&app, "first").await;
        let auth = register(&app, "second").await;
        let access = token(&auth, "access_token");
        let taken = patch(&app, &access, json!({ "email": "FIRST@example.com", "display_name": "Changed",
                                                 "current_password": PASSWORD })).await;
        assert_eq!(problem(&taken), (409, "email_taken".to_owned()));
        for (body, code) in [
            (json!({ "display_name": "" }), "invalid_display_name"),
            (json!({ "display_name": "\u{200B}" }), "invalid_display_name"),
            (json!({ "display_name": "\u{202E}dnoces" }), "invalid_display_name"),
            (json!({ "display_name": "\u{3164}" }), "invalid_display_name"),
            (json!({ "region": "moon" }), "invalid_region"),
            (json!({ "avatar_url": "javascript:alert(1)" }), "invalid_avatar_url"),
            (json!({ "new_password": "short", "current_password": PASSWORD }), "invalid_password"),
        ] {
            assert_eq!(problem(&patch(&app, &access, body).await), (422, code.to_owned()));
        }
        let profile = me(&app, &access).await.json();
        assert_eq!(profile["display_name"], "second");
        assert_eq!(profile["email"], "second@example.com");
        assert!(outbox(&app, "profile.updated").await.is_empty());
    }

    async fn a_public_profile_shows_the_name_and_ratings_but_never_the_email(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let viewer = register(&app, "viewer").await;
        let shown = register(&app, "shown").await;
        let id: uuid::Uuid = shown["player"]["id"].as_str().unwrap().parse().unwrap();
        let store = &app.state().backends().store;
        let season = store.start_season(rally_store::new_id(), "Season 1").await.unwrap();
        store
            .upsert_rating(&rally_store::RatingKey { player_id: id, season_id: season.id, mode: "duel".into() }, rally_store::RatingValue::new(27.5, 6.1), 3)
            .await
            .unwrap();
        let path = format!("/v1/profile/{id}");
        let answer = app.call("GET", &path, None, Some(&token(&viewer, "access_token"))).await;
        assert_eq!(answer.status, 200, "{}", text(&answer));
        let public = answer.json();
        assert_eq!(public["username"], "shown");
        // The default duel queue rates with Glicko-2: its volatility is shown.
        assert_eq!(
            public["ratings"],
            json!([{ "mode": "duel", "mean": 27.5, "uncertainty": 6.1, "system": "glicko2", "volatility": 0.06, "games": 3 }])
        );
        assert!(!text(&answer).contains("@example.com"));
        let missing = app
            .call("GET", &format!("/v1/profile/{}", uuid::Uuid::now_v7()), None, Some(&token(&viewer, "access_token")))
            .await;
        assert_eq!(problem(&missing), (404, "player_not_found".to_owned()));
        let garbage = app.call("GET", "/v1/profile/not-a-uuid", None, Some(&token(&viewer, "access_token"))).await;
        assert_eq!(problem(&garbage), (400, "bad_path".to_owned()));
    }
}
