//! Game sessions: one per match, only legal transitions, each stored with its time; results
//! stored once; the endpoints' load.

use rally_store::{
    EndReason, MatchState, NewMatch, NewParticipant, Outcome, ParticipantOutcome, SessionState,
    StoreError, new_id,
};
use serde_json::json;

use crate::fixture::player;
use crate::harness::conformance;

pub async fn a_match(store: &rally_store::Store, name: &str) -> uuid::Uuid {
    let p = player(store, name).await;
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
        participants: vec![NewParticipant {
            player_id: p.id,
            team: 0,
            party_id: None,
            rating_mean_before: 1500.0,
            rating_uncertainty_before: 350.0,
            rating_mean_after: None,
            rating_uncertainty_after: None,
            outcome: None,
        }],
    };
    store.create_match(&new).await.unwrap().id
}

conformance! {
    async fn a_session_moves_only_along_its_machine_and_keeps_every_transition(store: &Store) {
        let match_id = a_match(store, "sess_a").await;
        let mut tx = store.begin().await.unwrap();
        let opened = tx.open_session(match_id).await.unwrap();
        assert_eq!(opened.state, SessionState::Allocating);
        let again = tx.open_session(match_id).await.unwrap();
        assert_eq!(again, opened, "opening twice changes nothing");
        let ready = tx
            .transition_session(match_id, SessionState::Allocating, SessionState::Ready, None, Some("10.0.0.1:7777"))
            .await
            .unwrap();
        assert_eq!(ready.endpoint.as_deref(), Some("10.0.0.1:7777"));
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let stale = tx
            .transition_session(match_id, SessionState::Allocating, SessionState::Ready, None, None)
            .await;
        assert!(matches!(stale, Err(StoreError::NotFound)), "not in the expected state");
        drop(tx);
        let mut tx = store.begin().await.unwrap();
        let illegal = tx
            .transition_session(match_id, SessionState::Ready, SessionState::Allocating, None, None)
            .await;
        assert!(illegal.is_err(), "ready -> allocating is not an edge of the machine");
        drop(tx);

        assert_eq!(store.endpoint_load().await.unwrap(), vec![("10.0.0.1:7777".to_owned(), 1)]);
        let mut tx = store.begin().await.unwrap();
        tx.transition_session(match_id, SessionState::Ready, SessionState::Ended, Some(EndReason::Abandoned), None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(store.endpoint_load().await.unwrap().is_empty(), "an ended session frees its capacity");
        let states: Vec<SessionState> = store
            .session_transitions(match_id)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.to_state)
            .collect();
        assert_eq!(states, [SessionState::Allocating, SessionState::Ready, SessionState::Ended]);
        assert_eq!(store.session(match_id).await.unwrap().end_reason, Some(EndReason::Abandoned));
    }

    async fn a_batch_opens_each_session_once_and_names_those_still_allocating(store: &Store) {
        let fresh = a_match(store, "sess_batch_a").await;
        let waiting = a_match(store, "sess_batch_b").await;
        let moved_on = a_match(store, "sess_batch_c").await;
        let mut tx = store.begin().await.unwrap();
        tx.open_session(waiting).await.unwrap();
        tx.open_session(moved_on).await.unwrap();
        tx.transition_session(moved_on, SessionState::Allocating, SessionState::Ready, None, Some("10.0.0.9:7777"))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let allocating = tx.open_sessions(&[moved_on, fresh, waiting, fresh]).await.unwrap();
        tx.commit().await.unwrap();
        let mut expected = vec![fresh, waiting];
        expected.sort_unstable();
        assert_eq!(allocating, expected, "opened now, or opened before and not allocated");
        assert_eq!(store.session(fresh).await.unwrap().state, SessionState::Allocating);
        assert_eq!(store.session(moved_on).await.unwrap().state, SessionState::Ready, "left as it was");
        for (id, transitions) in [(fresh, 1), (waiting, 1), (moved_on, 2)] {
            assert_eq!(store.session_transitions(id).await.unwrap().len(), transitions, "each opening stored once");
        }

        let mut tx = store.begin().await.unwrap();
        let again = tx.open_sessions(&[fresh, waiting]).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(again, expected, "opening again changes nothing");
        assert_eq!(store.session_transitions(fresh).await.unwrap().len(), 1);
    }

    async fn a_batch_moves_only_allocating_sessions_to_ready_each_once(store: &Store) {
        let first = a_match(store, "sess_ready_a").await;
        let second = a_match(store, "sess_ready_b").await;
        let ended = a_match(store, "sess_ready_c").await;
        let mut tx = store.begin().await.unwrap();
        tx.open_sessions(&[first, second, ended]).await.unwrap();
        tx.transition_session(ended, SessionState::Allocating, SessionState::Ended, Some(EndReason::Failed), None)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let moved = tx
            .ready_sessions(&[
                (second, "10.0.0.2:7777".to_owned()),
                (ended, "10.0.0.3:7777".to_owned()),
                (first, "10.0.0.1:7777".to_owned()),
                (first, "10.0.0.4:7777".to_owned()),
            ])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut expected = vec![first, second];
        expected.sort_unstable();
        assert_eq!(moved, expected);
        let session = store.session(first).await.unwrap();
        assert_eq!(session.state, SessionState::Ready);
        assert_eq!(session.endpoint.as_deref(), Some("10.0.0.1:7777"), "named twice: the first endpoint");
        assert_eq!(store.session(second).await.unwrap().endpoint.as_deref(), Some("10.0.0.2:7777"));
        let states: Vec<SessionState> = store
            .session_transitions(first)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.to_state)
            .collect();
        assert_eq!(states, [SessionState::Allocating, SessionState::Ready], "moved once");
        let ended_session = store.session(ended).await.unwrap();
        assert_eq!(ended_session.state, SessionState::Ended, "an ended session stays ended");
        assert_eq!(ended_session.endpoint, None);

        let mut tx = store.begin().await.unwrap();
        let again = tx.ready_sessions(&[(first, "10.0.0.5:7777".to_owned())]).await.unwrap();
        tx.commit().await.unwrap();
        assert!(again.is_empty(), "a ready session does not move again");
        assert_eq!(store.session(first).await.unwrap().endpoint.as_deref(), Some("10.0.0.1:7777"));
    }

    async fn a_result_is_stored_once_and_the_match_ends(store: &Store) {
        let match_id = a_match(store, "sess_b").await;
        let mut tx = store.begin().await.unwrap();
        assert!(tx.store_match_result(match_id, &json!({"winner": 0})).await.unwrap());
        assert!(!tx.store_match_result(match_id, &json!({"winner": 1})).await.unwrap());
        assert!(tx.set_match_state(match_id, MatchState::Created, MatchState::Completed).await.unwrap());
        assert!(!tx.set_match_state(match_id, MatchState::Created, MatchState::Failed).await.unwrap());
        tx.commit().await.unwrap();
        let record = store.match_record(match_id).await.unwrap();
        assert_eq!(record.result, Some(json!({"winner": 0})));
        assert_eq!(record.state, MatchState::Completed);
        assert!(record.ended_at.is_some());
    }

    async fn a_match_ends_from_created_or_active_once_with_its_outcomes(store: &Store) {
        let (created, active) = (a_match(store, "end_a").await, a_match(store, "end_b").await);
        let player_of = |id| async move { store.match_participants(id).await.unwrap()[0].player_id };
        let (a, b) = (player_of(created).await, player_of(active).await);
        let mut tx = store.begin().await.unwrap();
        assert!(tx.set_match_state(active, MatchState::Created, MatchState::Active).await.unwrap());
        let line = |player_id, outcome, placement| ParticipantOutcome { player_id, outcome, placement };
        tx.set_participant_outcomes(created, &[line(a, Outcome::Win, Some(1)), line(b, Outcome::Loss, Some(2))])
            .await
            .unwrap();
        tx.set_participant_outcomes(active, &[line(b, Outcome::Draw, None)]).await.unwrap();
        assert!(tx.end_match(created, MatchState::Completed).await.unwrap());
        assert!(tx.end_match(active, MatchState::Cancelled).await.unwrap());
        assert!(!tx.end_match(created, MatchState::Failed).await.unwrap(), "ended already");
        tx.commit().await.unwrap();
        let ended = |id| async move { store.match_record(id).await.unwrap() };
        assert_eq!(ended(created).await.state, MatchState::Completed);
        assert_eq!(ended(active).await.state, MatchState::Cancelled);
        assert!(ended(active).await.ended_at.is_some());
        // Each outcome lands on its own match's participant only.
        let outcome = |id| async move {
            let p = &store.match_participants(id).await.unwrap()[0];
            (p.outcome, p.placement)
        };
        assert_eq!(outcome(created).await, (Some(Outcome::Win), Some(1)));
        assert_eq!(outcome(active).await, (Some(Outcome::Draw), None));
    }
}
