//! Readiness and ready checks: passing, failing, expiring, and who may start one.

use super::*;

async fn ready(app: &TestApp, who: &Player, id: &str, ready: bool) -> Value {
    let answer = post(
        app,
        who,
        &format!("/v1/party/{id}/ready"),
        json!({ "ready": ready }),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", text(&answer));
    answer.json()
}

on_both_backends! {
    async fn a_ready_check_passes_when_every_member_is_ready(backend: Backend) {
        let app = backend.spawn(SETTINGS).await;
        let lead = player(&app, "rc_lead").await;
        let (b, outsider) = (player(&app, "rc_b").await, player(&app, "rc_out").await);
        let id = create(&app, &lead, json!({ "open": true })).await;
        join(&app, &b, &id).await;
        ready(&app, &b, &id, true).await;
        let by_member = post(&app, &b, &format!("/v1/party/{id}/ready-check"), json!({})).await;
        assert_eq!(problem(&by_member), (403, "not_party_leader".to_owned()));

        let started = post(&app, &lead, &format!("/v1/party/{id}/ready-check"), json!({})).await;
        assert_eq!(started.status, 200, "{}", text(&started));
        let party = started.json();
        assert_eq!(party["ready_check"]["state"], "pending");
        assert!(party["ready_check"]["deadline"].is_string());
        assert!(party["members"].as_array().unwrap().iter().all(|m| m["ready"] == false), "{party}");
        let twice = post(&app, &lead, &format!("/v1/party/{id}/ready-check"), json!({})).await;
        assert_eq!(problem(&twice), (409, "ready_check_in_progress".to_owned()));
        let stranger = post(&app, &outsider, &format!("/v1/party/{id}/ready"), json!({ "ready": true })).await;
        assert_eq!(problem(&stranger), (404, "not_in_party".to_owned()));

        assert_eq!(ready(&app, &lead, &id, true).await["ready_check"]["state"], "pending");
        assert_eq!(ready(&app, &b, &id, true).await["ready_check"]["state"], "passed");
        assert_eq!(get(&app, &outsider, &format!("/v1/party/{id}")).await.json()["ready_check"]["state"], "passed");
        let checks: Vec<_> = outbox(&app, "party.ready_check").await.iter().map(|e| e["ready_check"].clone()).collect();
        assert_eq!(checks, vec![json!("pending"), json!("passed")]);
    }

    async fn a_ready_check_fails_when_a_member_answers_not_ready(backend: Backend) {
        let app = backend.spawn(SETTINGS).await;
        let lead = player(&app, "rf_lead").await;
        let b = player(&app, "rf_b").await;
        let id = create(&app, &lead, json!({ "open": true })).await;
        join(&app, &b, &id).await;
        post(&app, &lead, &format!("/v1/party/{id}/ready-check"), json!({})).await;
        ready(&app, &lead, &id, true).await;
        assert_eq!(ready(&app, &b, &id, false).await["ready_check"]["state"], "failed");
        // A late yes does not revive it; a new check may start.
        assert_eq!(ready(&app, &b, &id, true).await["ready_check"]["state"], "failed");
        let again = post(&app, &lead, &format!("/v1/party/{id}/ready-check"), json!({})).await;
        assert_eq!(again.json()["ready_check"]["state"], "pending");
        let checks: Vec<_> = outbox(&app, "party.ready_check").await.iter().map(|e| e["ready_check"].clone()).collect();
        assert_eq!(checks, vec![json!("pending"), json!("failed"), json!("pending")]);
    }

    async fn a_ready_check_past_its_deadline_shows_expired(backend: Backend) {
        let manual = ManualClock::starting_now();
        let app = backend.spawn_on(manual.clock(), &[("register_limit_per_hour", "1000"), ("party_ready_check_s", "1")]).await;
        let lead = player(&app, "rx_lead").await;
        let b = player(&app, "rx_b").await;
        let id = create(&app, &lead, json!({ "open": true })).await;
        join(&app, &b, &id).await;
        post(&app, &lead, &format!("/v1/party/{id}/ready-check"), json!({})).await;
        ready(&app, &lead, &id, true).await;
        // A moment before the deadline the check still waits for b.
        manual.advance(std::time::Duration::from_millis(999));
        let party = get(&app, &b, &format!("/v1/party/{id}")).await.json();
        assert_eq!(party["ready_check"]["state"], "pending");
        manual.advance(std::time::Duration::from_millis(2));
        let party = get(&app, &b, &format!("/v1/party/{id}")).await.json();
        assert_eq!(party["ready_check"]["state"], "expired");
        // A late answer does not pass it.
        assert_eq!(ready(&app, &b, &id, true).await["ready_check"]["state"], "expired");
        let checks: Vec<_> = outbox(&app, "party.ready_check").await.iter().map(|e| e["ready_check"].clone()).collect();
        assert_eq!(checks, vec![json!("pending"), json!("expired")]);
        let again = post(&app, &lead, &format!("/v1/party/{id}/ready-check"), json!({})).await;
        assert_eq!(again.status, 200, "{}", text(&again));
        assert_eq!(again.json()["ready_check"]["state"], "pending");
    }

    async fn the_sweeper_announces_an_expiry_at_the_deadline_without_a_read(backend: Backend) {
        let manual = ManualClock::starting_now();
        let app = backend.spawn_on(manual.clock(), &[("register_limit_per_hour", "1000"), ("party_ready_check_s", "30")]).await;
        let lead = player(&app, "sw_lead").await;
        let b = player(&app, "sw_b").await;
        let id = create(&app, &lead, json!({ "open": true })).await;
        join(&app, &b, &id).await;
        post(&app, &lead, &format!("/v1/party/{id}/ready-check"), json!({})).await;
        manual.advance(std::time::Duration::from_secs(29));
        assert_eq!(rally_server::parties::ready::expire_overdue(app.state().parties(), 100).await.unwrap(), 0, "not due yet");
        manual.advance(std::time::Duration::from_secs(2));
        assert_eq!(rally_server::parties::ready::expire_overdue(app.state().parties(), 100).await.unwrap(), 1);
        assert_eq!(rally_server::parties::ready::expire_overdue(app.state().parties(), 100).await.unwrap(), 0, "settled once");
        let checks: Vec<_> = outbox(&app, "party.ready_check").await.iter().map(|e| e["ready_check"].clone()).collect();
        assert_eq!(checks, vec![json!("pending"), json!("expired")]);
    }
}
