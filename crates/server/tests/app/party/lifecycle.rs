//! Creating, reading, joining, leaving, hand-over, closing, kicks and promotions.

use super::*;

on_both_backends! {
    async fn a_party_lives_from_creation_until_its_last_member_leaves(backend: Backend) {
        let app = backend.spawn(SETTINGS).await;
        let (lead, second) = (player(&app, "life_lead").await, player(&app, "life_second").await);
        let answer = post(&app, &lead, "/v1/party", json!({ "max_size": 3, "open": true })).await;
        assert_eq!(answer.status, 201, "{}", text(&answer));
        let party = answer.json();
        let id = party["id"].as_str().unwrap().to_owned();
        assert_eq!(party["leader_id"], lead.id.as_str());
        assert_eq!((party["max_size"].as_u64(), party["open"].as_bool()), (Some(3), Some(true)));
        assert_eq!(party["state"], "active");
        assert_eq!(member_ids(&party), vec![lead.id.clone()]);
        assert_eq!(problem(&post(&app, &lead, "/v1/party", json!({})).await), (409, "already_in_party".to_owned()));

        let joined = join(&app, &second, &id).await;
        assert_eq!(member_ids(&joined), vec![lead.id.clone(), second.id.clone()]);
        let mine = get(&app, &second, "/v1/party/me").await;
        assert_eq!(mine.status, 200, "{}", text(&mine));
        assert_eq!(mine.json()["id"], id.as_str());
        assert_eq!(get(&app, &lead, &format!("/v1/party/{id}")).await.json()["members"], joined["members"]);

        assert_eq!(post(&app, &lead, &format!("/v1/party/{id}/leave"), json!({})).await.status, 204);
        let after = get(&app, &second, &format!("/v1/party/{id}")).await.json();
        assert_eq!(after["leader_id"], second.id.as_str());
        assert_eq!(problem(&get(&app, &lead, "/v1/party/me").await), (404, "not_in_party".to_owned()));
        assert_eq!(problem(&post(&app, &lead, &format!("/v1/party/{id}/leave"), json!({})).await), (404, "not_in_party".to_owned()));

        assert_eq!(post(&app, &second, &format!("/v1/party/{id}/leave"), json!({})).await.status, 204);
        let closed = get(&app, &lead, &format!("/v1/party/{id}")).await.json();
        assert_eq!(closed["state"], "closed");
        assert_eq!(closed["members"], json!([]));
        assert_eq!(problem(&post(&app, &lead, &format!("/v1/party/{id}/join"), json!({})).await), (409, "party_closed".to_owned()));

        let updated = outbox(&app, "party.updated").await;
        let reasons: Vec<_> = updated.iter().map(|e| e["reason"].as_str().unwrap()).collect();
        assert_eq!(reasons, vec!["created", "joined", "left"]);
        assert_eq!(updated[2]["member_ids"], json!([second.id]));
        assert_eq!(updated[2]["player_id"], lead.id.as_str());
        let disbanded = outbox(&app, "party.disbanded").await;
        assert_eq!(disbanded.len(), 1);
        assert_eq!((&disbanded[0]["party_id"], &disbanded[0]["player_id"]), (&json!(id), &json!(second.id)));
    }

    async fn the_longest_standing_member_leads_when_the_leader_leaves(backend: Backend) {
        let app = backend.spawn(SETTINGS).await;
        let lead = player(&app, "hand_lead").await;
        let (b, c) = (player(&app, "hand_b").await, player(&app, "hand_c").await);
        let id = create(&app, &lead, json!({ "open": true })).await;
        join(&app, &b, &id).await;
        join(&app, &c, &id).await;
        assert_eq!(post(&app, &lead, &format!("/v1/party/{id}/leave"), json!({})).await.status, 204);
        let party = get(&app, &c, &format!("/v1/party/{id}")).await.json();
        assert_eq!(party["leader_id"], b.id.as_str());
        assert_eq!(member_ids(&party), vec![b.id.clone(), c.id.clone()]);
        assert_eq!(party["members"][0]["leader"], true);
        assert_eq!(party["members"][1]["leader"], false);
    }

    async fn only_the_leader_kicks_and_promotes_and_only_members(backend: Backend) {
        let app = backend.spawn(SETTINGS).await;
        let lead = player(&app, "kick_lead").await;
        let (b, c, outsider) = (player(&app, "kick_b").await, player(&app, "kick_c").await,
                                player(&app, "kick_out").await);
        let id = create(&app, &lead, json!({ "open": true, "max_size": 4 })).await;
        join(&app, &b, &id).await;
        join(&app, &c, &id).await;
        let by_member = post(&app, &b, &format!("/v1/party/{id}/kick"), json!({ "player_id": c.id })).await;
        assert_eq!(problem(&by_member), (403, "not_party_leader".to_owned()));
        let promote_by_member = post(&app, &b, &format!("/v1/party/{id}/promote"), json!({ "player_id": b.id })).await;
        assert_eq!(problem(&promote_by_member), (403, "not_party_leader".to_owned()));
        let kick_outsider = post(&app, &lead, &format!("/v1/party/{id}/kick"), json!({ "player_id": outsider.id })).await;
        assert_eq!(problem(&kick_outsider), (404, "not_in_party".to_owned()));
        let promote_outsider = post(&app, &lead, &format!("/v1/party/{id}/promote"), json!({ "player_id": outsider.id })).await;
        assert_eq!(problem(&promote_outsider), (404, "not_in_party".to_owned()));
        let kick_self = post(&app, &lead, &format!("/v1/party/{id}/kick"), json!({ "player_id": lead.id })).await;
        assert_eq!(problem(&kick_self), (422, "invalid".to_owned()));

        let kicked = post(&app, &lead, &format!("/v1/party/{id}/kick"), json!({ "player_id": c.id })).await;
        assert_eq!(kicked.status, 200, "{}", text(&kicked));
        assert_eq!(member_ids(&kicked.json()), vec![lead.id.clone(), b.id.clone()]);
        assert_eq!(problem(&get(&app, &c, "/v1/party/me").await).1, "not_in_party");

        let promoted = post(&app, &lead, &format!("/v1/party/{id}/promote"), json!({ "player_id": b.id })).await;
        assert_eq!(promoted.status, 200, "{}", text(&promoted));
        assert_eq!(promoted.json()["leader_id"], b.id.as_str());
        let old_leader_kicks = post(&app, &lead, &format!("/v1/party/{id}/kick"), json!({ "player_id": b.id })).await;
        assert_eq!(problem(&old_leader_kicks), (403, "not_party_leader".to_owned()));

        let updated = outbox(&app, "party.updated").await;
        let kicked_event = updated.iter().find(|e| e["reason"] == "kicked").unwrap();
        assert_eq!(kicked_event["player_id"], c.id.as_str());
        assert_eq!(kicked_event["member_ids"], json!([lead.id, b.id]));
        assert!(updated.iter().any(|e| e["reason"] == "promoted" && e["leader_id"] == b.id.as_str()));
    }

    async fn a_party_size_outside_the_configured_range_is_refused(backend: Backend) {
        let app = backend.spawn(SETTINGS).await;
        let lead = player(&app, "size_lead").await;
        for size in [0, 1, 6] {
            let answer = post(&app, &lead, "/v1/party", json!({ "max_size": size })).await;
            assert_eq!(problem(&answer), (422, "invalid".to_owned()), "max_size {size}");
        }
        let default = post(&app, &lead, "/v1/party", json!({})).await.json();
        assert_eq!((default["max_size"].as_u64(), default["open"].as_bool()), (Some(5), Some(false)));
        let missing = get(&app, &lead, &format!("/v1/party/{}", uuid::Uuid::now_v7())).await;
        assert_eq!(problem(&missing), (404, "party_not_found".to_owned()));
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_party_route_with_the_bearer_scheme() {
    let app = crate::harness::spawn_app(&[]).await;
    let doc = app.get("/openapi.json").await.json();
    for (path, method) in [
        ("/v1/party", "post"),
        ("/v1/party/me", "get"),
        ("/v1/party/{id}", "get"),
        ("/v1/party/{id}/join", "post"),
        ("/v1/party/{id}/leave", "post"),
        ("/v1/party/{id}/invite", "post"),
        ("/v1/party/{id}/invite/decline", "post"),
        ("/v1/party/{id}/kick", "post"),
        ("/v1/party/{id}/promote", "post"),
        ("/v1/party/{id}/ready", "post"),
        ("/v1/party/{id}/ready-check", "post"),
    ] {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is missing");
        assert_eq!(
            operation["security"],
            json!([{ "bearer": [] }]),
            "{method} {path}"
        );
    }
    let unauthenticated = app.post("/v1/party", json!({})).await;
    assert_eq!(problem(&unauthenticated), (401, "unauthorized".to_owned()));
}
