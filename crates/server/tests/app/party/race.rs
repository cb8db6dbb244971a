//! Races decided by the store: the last slot, and joins, leaves and kicks interleaved.

use futures::future::join_all;

use super::*;

const CROWD: usize = 8;

on_both_backends! {
    async fn concurrent_joins_for_the_last_slot_give_one_success_and_the_rest_party_full(backend: Backend) {
        let app = backend.spawn(SETTINGS).await;
        let lead = player(&app, "race_lead").await;
        let id = create(&app, &lead, json!({ "open": true, "max_size": 2 })).await;
        let mut crowd = Vec::new();
        for i in 0..CROWD {
            crowd.push(player(&app, &format!("race_{i}")).await);
        }
        let path = format!("/v1/party/{id}/join");
        let answers = join_all(crowd.iter().map(|p| post(&app, p, &path, json!({})))).await;
        let successes = answers.iter().filter(|a| a.status == 200).count();
        assert_eq!(successes, 1, "{:?}", answers.iter().map(|a| (a.status, text(a))).collect::<Vec<_>>());
        for answer in answers.iter().filter(|a| a.status != 200) {
            assert_eq!(problem(answer), (409, "party_full".to_owned()));
        }
        let party = get(&app, &lead, &format!("/v1/party/{id}")).await.json();
        assert_eq!(member_ids(&party).len(), 2);
        assert_eq!(outbox(&app, "party.updated").await.iter().filter(|e| e["reason"] == "joined").count(), 1);
    }

    async fn interleaved_joins_leaves_and_kicks_never_overfill_a_party_or_leave_it_leaderless(backend: Backend) {
        let app = backend.spawn(SETTINGS).await;
        let lead = player(&app, "mix_lead").await;
        let id = create(&app, &lead, json!({ "open": true, "max_size": 3 })).await;
        let mut crowd = Vec::new();
        for i in 0..CROWD {
            crowd.push(player(&app, &format!("mix_{i}")).await);
        }
        join(&app, &crowd[0], &id).await;
        join(&app, &crowd[1], &id).await;
        let join_path = format!("/v1/party/{id}/join");
        let leave_path = format!("/v1/party/{id}/leave");
        let kick_path = format!("/v1/party/{id}/kick");
        let mut calls = Vec::new();
        calls.push(post(&app, &lead, &leave_path, json!({})));
        calls.push(post(&app, &crowd[0], &leave_path, json!({})));
        calls.push(post(&app, &lead, &kick_path, json!({ "player_id": crowd[1].id })));
        for p in &crowd[2..] {
            calls.push(post(&app, p, &join_path, json!({})));
        }
        let answers = join_all(calls).await;
        for answer in &answers {
            assert!(answer.status < 500, "{} {}", answer.status, text(answer));
        }
        let party = get(&app, &lead, &format!("/v1/party/{id}")).await.json();
        let members = member_ids(&party);
        assert!(members.len() <= 3, "{party}");
        if members.is_empty() {
            assert_eq!(party["state"], "closed");
        } else {
            let leader = party["leader_id"].as_str().unwrap();
            assert!(members.iter().any(|m| m == leader), "leader {leader} is not a member: {party}");
            assert_eq!(party["members"].as_array().unwrap().iter().filter(|m| m["leader"] == true).count(), 1);
        }
    }

    async fn a_player_joining_two_parties_at_once_ends_up_in_exactly_one(backend: Backend) {
        let app = backend.spawn(SETTINGS).await;
        let (a, b) = (player(&app, "two_a").await, player(&app, "two_b").await);
        let joiner = player(&app, "two_joiner").await;
        let first = create(&app, &a, json!({ "open": true })).await;
        let second = create(&app, &b, json!({ "open": true })).await;
        let (first_path, second_path) =
            (format!("/v1/party/{first}/join"), format!("/v1/party/{second}/join"));
        let (one, two) = futures::join!(
            post(&app, &joiner, &first_path, json!({})),
            post(&app, &joiner, &second_path, json!({})),
        );
        let mut statuses = [one.status, two.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "{} / {}", text(&one), text(&two));
        let loser = if one.status == 409 { &one } else { &two };
        assert_eq!(problem(loser).1, "already_in_party");
        let mine = get(&app, &joiner, "/v1/party/me").await.json();
        let won = if one.status == 200 { &first } else { &second };
        assert_eq!(mine["id"], won.as_str());
    }
}
