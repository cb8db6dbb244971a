//! Registration: the answer, the stored player, the event, and the database deciding races.

use super::*;

on_both_backends! {
    async fn registration_answers_201_with_a_token_pair_and_the_own_profile(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let answer = app
            .post(
                "/v1/auth/register",
                json!({ "username": "Ada_1815", "email": "ada@example.com", "password": PASSWORD,
                        "display_name": "Ada Lovelace", "region": "eu" }),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", text(&answer));
        let auth = answer.json();
        assert_eq!(auth["token_type"], "Bearer");
        assert_eq!(auth["expires_in"], 900);
        assert_eq!(auth["access_token"].as_str().unwrap().split('.').count(), 3);
        assert_eq!(auth["refresh_token"].as_str().unwrap().len(), 43);
        let player = &auth["player"];
        assert_eq!(player["username"], "Ada_1815");
        assert_eq!(player["email"], "ada@example.com");
        assert_eq!(player["display_name"], "Ada Lovelace");
        assert_eq!(player["region"], "eu");
        assert!(player.get("password_hash").is_none());

        let me = me(&app, &token(&auth, "access_token")).await;
        assert_eq!(me.status, 200, "{}", text(&me));
        assert_eq!(me.json()["id"], player["id"]);
    }

    async fn registration_writes_a_player_registered_event_without_the_email(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let auth = register(&app, "eventful").await;
        let events = outbox(&app, "player.registered").await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["player_id"], auth["player"]["id"]);
        assert_eq!(events[0]["username"], "eventful");
        assert!(!events[0].to_string().contains("@example.com"));
    }

    async fn the_display_name_defaults_to_the_username_and_regions_must_be_offered(backend: Backend) {
        let app = backend.spawn(&[("regions", "eu,asia")]).await;
        let auth = register(&app, "plain_name").await;
        assert_eq!(auth["player"]["display_name"], "plain_name");
        assert!(auth["player"]["region"].is_null());
        let asia = app
            .post("/v1/auth/register", json!({ "username": "asian", "email": "a@example.com",
                                               "password": PASSWORD, "region": "asia" }))
            .await;
        assert_eq!(asia.status, 201, "{}", text(&asia));
        let na = app
            .post("/v1/auth/register", json!({ "username": "american", "email": "n@example.com",
                                               "password": PASSWORD, "region": "na" }))
            .await;
        assert_eq!(problem(&na), (422, "invalid_region".to_owned()));
    }

    async fn a_taken_username_or_email_in_any_case_is_a_conflict(backend: Backend) {
        let app = backend.spawn(&[]).await;
        register(&app, "taken").await;
        let same_name = app
            .post("/v1/auth/register", json!({ "username": "TAKEN", "email": "other@example.com", "password": PASSWORD }))
            .await;
        assert_eq!(problem(&same_name), (409, "username_taken".to_owned()));
        let same_email = app
            .post("/v1/auth/register", json!({ "username": "other", "email": "Taken@Example.com", "password": PASSWORD }))
            .await;
        assert_eq!(problem(&same_email), (409, "email_taken".to_owned()));
        assert_eq!(outbox(&app, "player.registered").await.len(), 1);
    }

    async fn two_simultaneous_registrations_of_one_name_give_one_201_and_one_409(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let first = app.post("/v1/auth/register", json!({ "username": "racer", "email": "r1@example.com", "password": PASSWORD }));
        let second = app.post("/v1/auth/register", json!({ "username": "RACER", "email": "r2@example.com", "password": PASSWORD }));
        let (first, second) = tokio::join!(first, second);
        let mut statuses = [first.status, second.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "{} / {}", text(&first), text(&second));
        let loser = if first.status == 409 { &first } else { &second };
        assert_eq!(problem(loser).1, "username_taken");
        assert_eq!(outbox(&app, "player.registered").await.len(), 1);
    }

    async fn each_broken_field_rule_has_its_own_code_and_stores_nothing(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let good = json!({ "username": "valid_name", "email": "v@example.com", "password": PASSWORD });
        let cases = [
            ("username", json!("ab"), "invalid_username"),
            ("username", json!("has space"), "invalid_username"),
            ("username", json!("x".repeat(25)), "invalid_username"),
            ("email", json!("not-an-email"), "invalid_email"),
            ("password", json!("short"), "invalid_password"),
            ("password", json!("p".repeat(129)), "invalid_password"),
            ("display_name", json!("bell\u{7}"), "invalid_display_name"),
            ("display_name", json!("x".repeat(33)), "invalid_display_name"),
            ("region", json!("mars"), "invalid_region"),
        ];
        for (field, value, code) in cases {
            let mut body = good.clone();
            body[field] = value;
            let answer = app.post("/v1/auth/register", body).await;
            assert_eq!(problem(&answer), (422, code.to_owned()), "{field}");
            assert_eq!(answer.json()["field"], field);
        }
        let store = &app.state().backends().store;
        assert!(store.find_player_by_username("valid_name").await.unwrap().is_none());
        assert!(outbox(&app, "player.registered").await.is_empty());
    }
}
