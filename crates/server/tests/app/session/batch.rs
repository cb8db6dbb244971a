use rally_events::Stream;
use rally_protocol::event::Event;
use rally_server::{
    bus::Cause,
    sessions::{Allocator, allocation::allocate_all, allocator::AllocationRequest},
};
use rally_store::{MatchState, NewMatch, NewParticipant, SessionState, Store, new_id};
use serde_json::json;
use uuid::Uuid;

use crate::gateway::connect_hello;
use crate::harness::{first_event_on, spawn_app};
use crate::party::player;
use crate::queue::with;

/// A stored duel between `players`, waiting for its session.
async fn a_duel(store: &Store, players: [Uuid; 2]) -> Uuid {
    let participants = players
        .iter()
        .enumerate()
        .map(|(team, player_id)| NewParticipant {
            player_id: *player_id,
            team: i32::try_from(team).unwrap(),
            party_id: None,
            rating_mean_before: 1500.0,
            rating_uncertainty_before: 350.0,
            rating_mean_after: None,
            rating_uncertainty_after: None,
            outcome: None,
        })
        .collect();
    let new = NewMatch {
        id: new_id(),
        mode: "duel".to_owned(),
        region: "eu".to_owned(),
        season_id: None,
        state: MatchState::Created,
        quality: json!({}),
        created_at: store.now(),
        ended_at: None,
        traceparent: None,
        participants,
    };
    store.create_match(&new).await.unwrap().id
}

#[tokio::test]
async fn a_batch_allocates_each_new_match_once_and_leaves_a_settled_one_alone() {
    let mut app = spawn_app(&with(&[])).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let (mut ada_socket, _) = connect_hello(addr, &ada.token, "").await;
    let ids = [ada.id.parse().unwrap(), bob.id.parse().unwrap()];
    let store = app.state().backends().store.clone();
    let (first, second, settled) = (
        a_duel(&store, ids).await,
        a_duel(&store, ids).await,
        a_duel(&store, ids).await,
    );
    let mut tx = store.begin().await.unwrap();
    tx.open_sessions(&[settled]).await.unwrap();
    tx.ready_sessions(&[(settled, "10.9.9.9:7777".to_owned())])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let settings = app.state().settings();
    let region = settings.game_server_pool()[0].region.clone();
    let request = |match_id: Uuid| {
        let asked = AllocationRequest {
            match_id,
            mode: "duel".to_owned(),
            region: region.clone(),
            player_ids: ids.to_vec(),
        };
        (asked, Cause::fresh())
    };
    let results = allocate_all(
        app.state().sessions(),
        &Allocator::from_settings(settings),
        vec![
            request(first),
            request(second),
            request(first),
            request(settled),
        ],
    )
    .await;
    assert_eq!(results.len(), 4, "one answer per request");
    assert!(results.iter().all(Result::is_ok), "{results:?}");

    for id in [first, second] {
        let session = store.session(id).await.unwrap();
        assert_eq!(session.state, SessionState::Ready);
        assert_eq!(session.endpoint.as_deref(), Some("127.0.0.1:7777"));
        let states: Vec<SessionState> = store
            .session_transitions(id)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.to_state)
            .collect();
        assert_eq!(
            states,
            [SessionState::Allocating, SessionState::Ready],
            "a match named twice is allocated once"
        );
    }
    let untouched = store.session(settled).await.unwrap();
    assert_eq!(
        untouched.endpoint.as_deref(),
        Some("10.9.9.9:7777"),
        "a settled session keeps its server"
    );
    assert_eq!(store.session_transitions(settled).await.unwrap().len(), 2);

    // Each allocated match's `session.ready` reaches its players.
    let mut told = Vec::new();
    for _ in 0..2 {
        let ready = ada_socket.next_of("session.ready").await;
        told.push(ready["data"]["match_id"].as_str().unwrap().to_owned());
    }
    told.sort();
    let mut expected = vec![first.to_string(), second.to_string()];
    expected.sort();
    assert_eq!(told, expected);
}

#[tokio::test]
async fn an_allocated_match_s_session_ready_is_on_its_stream_without_the_relay() {
    // Not served: no outbox relay runs, so only the allocation itself can have published.
    let app = spawn_app(&with(&[])).await;
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let ids = [ada.id.parse().unwrap(), bob.id.parse().unwrap()];
    let store = app.state().backends().store.clone();
    let match_id = a_duel(&store, ids).await;
    let settings = app.state().settings();
    let asked = AllocationRequest {
        match_id,
        mode: "duel".to_owned(),
        region: settings.game_server_pool()[0].region.clone(),
        player_ids: ids.to_vec(),
    };
    let results = allocate_all(
        app.state().sessions(),
        &Allocator::from_settings(settings),
        vec![(asked, Cause::fresh())],
    )
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");

    let envelope = first_event_on(&app, Stream::SessionReady, "batch-test").await;
    let Event::SessionReady(ready) = envelope.event else {
        panic!("not a session.ready: {:?}", envelope.event);
    };
    assert_eq!(ready.match_id, match_id);
    assert_eq!(ready.endpoint, "127.0.0.1:7777");
}
