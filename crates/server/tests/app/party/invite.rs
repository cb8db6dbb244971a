//! Invites: who may send them, joining and declining with them, and their expiry.

use super::*;

on_both_backends! {
    async fn an_invite_admits_to_an_invite_only_party_once(backend: Backend) {
        let app = backend.spawn(SETTINGS).await;
        let lead = player(&app, "inv_lead").await;
        let (guest, member, stranger) = (player(&app, "inv_guest").await, player(&app, "inv_member").await,
                                         player(&app, "inv_stranger").await);
        let id = create(&app, &lead, json!({})).await;
        let uninvited = post(&app, &stranger, &format!("/v1/party/{id}/join"), json!({})).await;
        assert_eq!(problem(&uninvited), (403, "not_invited".to_owned()));

        let sent = post(&app, &lead, &format!("/v1/party/{id}/invite"), json!({ "player_id": member.id })).await;
        assert_eq!(sent.status, 201, "{}", text(&sent));
        assert_eq!(sent.json()["invitee_id"], member.id.as_str());
        let again = post(&app, &lead, &format!("/v1/party/{id}/invite"), json!({ "player_id": member.id })).await;
        assert_eq!(problem(&again), (409, "already_invited".to_owned()));
        join(&app, &member, &id).await;
        let self_invite = post(&app, &lead, &format!("/v1/party/{id}/invite"), json!({ "player_id": member.id })).await;
        assert_eq!(problem(&self_invite), (409, "already_in_party".to_owned()));

        // Only the leader invites to an invite-only party.
        let by_member = post(&app, &member, &format!("/v1/party/{id}/invite"), json!({ "player_id": guest.id })).await;
        assert_eq!(problem(&by_member), (403, "not_party_leader".to_owned()));
        let by_outsider = post(&app, &stranger, &format!("/v1/party/{id}/invite"), json!({ "player_id": guest.id })).await;
        assert_eq!(problem(&by_outsider), (404, "not_in_party".to_owned()));
        let nobody = post(&app, &lead, &format!("/v1/party/{id}/invite"), json!({ "player_id": uuid::Uuid::now_v7() })).await;
        assert_eq!(problem(&nobody), (404, "player_not_found".to_owned()));

        // The spent invite does not admit twice.
        assert_eq!(post(&app, &member, &format!("/v1/party/{id}/leave"), json!({})).await.status, 204);
        let rejoin = post(&app, &member, &format!("/v1/party/{id}/join"), json!({})).await;
        assert_eq!(problem(&rejoin), (403, "not_invited".to_owned()));

        let invites = outbox(&app, "party.invite").await;
        assert_eq!(invites.len(), 1);
        assert_eq!(invites[0]["player_id"], member.id.as_str());
        assert_eq!(invites[0]["inviter_id"], lead.id.as_str());
        assert_eq!(invites[0]["member_ids"], json!([lead.id]));
    }

    async fn a_declined_invite_no_longer_admits_and_its_party_is_told(backend: Backend) {
        let app = backend.spawn(SETTINGS).await;
        let lead = player(&app, "dec_lead").await;
        let guest = player(&app, "dec_guest").await;
        let id = create(&app, &lead, json!({})).await;
        let not_invited = post(&app, &guest, &format!("/v1/party/{id}/invite/decline"), json!({})).await;
        assert_eq!(problem(&not_invited), (403, "not_invited".to_owned()));
        post(&app, &lead, &format!("/v1/party/{id}/invite"), json!({ "player_id": guest.id })).await;
        let declined = post(&app, &guest, &format!("/v1/party/{id}/invite/decline"), json!({})).await;
        assert_eq!(declined.status, 204, "{}", text(&declined));
        let join = post(&app, &guest, &format!("/v1/party/{id}/join"), json!({})).await;
        assert_eq!(problem(&join), (403, "not_invited".to_owned()));
        let answers: Vec<_> = outbox(&app, "party.invite").await.iter().map(|e| e["answer"].clone()).collect();
        assert_eq!(answers, vec![json!("pending"), json!("declined")]);
    }

    async fn any_member_of_an_open_party_may_invite(backend: Backend) {
        let app = backend.spawn(SETTINGS).await;
        let lead = player(&app, "open_lead").await;
        let (member, guest) = (player(&app, "open_member").await, player(&app, "open_guest").await);
        let id = create(&app, &lead, json!({ "open": true })).await;
        join(&app, &member, &id).await;
        let sent = post(&app, &member, &format!("/v1/party/{id}/invite"), json!({ "player_id": guest.id })).await;
        assert_eq!(sent.status, 201, "{}", text(&sent));
    }

    async fn an_expired_invite_answers_invite_expired(backend: Backend) {
        let manual = ManualClock::starting_now();
        let app = backend.spawn_on(manual.clock(), &[("register_limit_per_hour", "1000"), ("party_invite_ttl_s", "1")]).await;
        let lead = player(&app, "exp_lead").await;
        let guest = player(&app, "exp_guest").await;
        let id = create(&app, &lead, json!({})).await;
        let sent = post(&app, &lead, &format!("/v1/party/{id}/invite"), json!({ "player_id": guest.id })).await;
        assert_eq!(sent.status, 201, "{}", text(&sent));
        manual.advance(std::time::Duration::from_millis(1_001));
        let join = post(&app, &guest, &format!("/v1/party/{id}/join"), json!({})).await;
        assert_eq!(problem(&join), (403, "invite_expired".to_owned()));
        let decline = post(&app, &guest, &format!("/v1/party/{id}/invite/decline"), json!({})).await;
        assert_eq!(problem(&decline), (403, "invite_expired".to_owned()));
        // A fresh invite replaces the expired one.
        let again = post(&app, &lead, &format!("/v1/party/{id}/invite"), json!({ "player_id": guest.id })).await;
        assert_eq!(again.status, 201, "{}", text(&again));
    }
}
