//! Login: by username or email in any case; one answer for every failure; bans.

use super::*;

on_both_backends! {
    async fn login_by_username_or_email_in_any_case_answers_a_token_pair(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let registered = register(&app, "Grace").await;
        for login_text in ["Grace", "grace", "GRACE@example.COM"] {
            let answer = login(&app, login_text, PASSWORD).await;
            assert_eq!(answer.status, 200, "{login_text}: {}", text(&answer));
            let auth = answer.json();
            assert_eq!(auth["token_type"], "Bearer");
            assert_eq!(auth["expires_in"], 900);
            assert_eq!(auth["player"]["id"], registered["player"]["id"]);
            assert!(auth["refresh_token"].is_string() && auth["access_token"].is_string());
        }
    }

    async fn a_wrong_password_and_an_unknown_account_get_the_same_answer(backend: Backend) {
        let app = backend.spawn(&[]).await;
        register(&app, "known").await;
        let wrong = login(&app, "known", "not the password").await;
        let unknown = login(&app, "nobody_here", PASSWORD).await;
        assert_eq!(problem(&wrong), (401, "invalid_credentials".to_owned()));
        assert_eq!(problem(&unknown), (401, "invalid_credentials".to_owned()));
        assert_eq!(wrong.json()["detail"], unknown.json()["detail"]);
        assert_eq!(wrong.json()["title"], unknown.json()["title"]);
    }

    async fn sql_metacharacters_are_data_and_never_code(backend: Backend) {
        let app = backend.spawn(&[]).await;
        register(&app, "victim").await;
        let injected = login(&app, "' OR '1'='1", "' OR '1'='1").await;
        assert_eq!(problem(&injected), (401, "invalid_credentials".to_owned()));
        let also = login(&app, "victim' --", PASSWORD).await;
        assert_eq!(problem(&also), (401, "invalid_credentials".to_owned()));
        let name = "Robert'); DROP TABLE players;--";
        let answer = app
            .post("/v1/auth/register", json!({ "username": "bobby", "email": "b@example.com",
                                               "password": PASSWORD, "display_name": name }))
            .await;
        assert_eq!(answer.status, 201, "{}", text(&answer));
        let profile = me(&app, &token(&answer.json(), "access_token")).await.json();
        assert_eq!(profile["display_name"], name);
        assert_eq!(login(&app, "victim", PASSWORD).await.status, 200);
    }

    async fn a_banned_account_cannot_log_in_refresh_or_use_its_live_token(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let auth = register(&app, "cheater").await;
        let id: uuid::Uuid = auth["player"]["id"].as_str().unwrap().parse().unwrap();
        let access = token(&auth, "access_token");
        assert_eq!(me(&app, &access).await.status, 200);
        rally_server::accounts::profile::set_status(app.state().accounts(), id, rally_store::PlayerStatus::Banned)
            .await
            .unwrap();
        assert_eq!(problem(&me(&app, &access).await), (403, "account_banned".to_owned()));
        assert_eq!(problem(&login(&app, "cheater", PASSWORD).await), (403, "account_banned".to_owned()));
        let refreshed = refresh(&app, &token(&auth, "refresh_token")).await;
        assert_eq!(refreshed.status, 401, "{}", text(&refreshed));
        // A wrong password still says only that the credentials are wrong.
        assert_eq!(problem(&login(&app, "cheater", "wrong password").await).1, "invalid_credentials");
    }

    async fn a_disabled_account_set_in_the_database_cannot_log_in_or_refresh(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let auth = register(&app, "sleeper").await;
        let id: uuid::Uuid = auth["player"]["id"].as_str().unwrap().parse().unwrap();
        let store = &app.state().backends().store;
        store.set_player_status(id, rally_store::PlayerStatus::Disabled).await.unwrap();
        assert_eq!(problem(&login(&app, "sleeper", PASSWORD).await), (403, "account_disabled".to_owned()));
        let refreshed = refresh(&app, &token(&auth, "refresh_token")).await;
        assert_eq!(problem(&refreshed), (403, "account_disabled".to_owned()));
    }
}
