//! Appeals: once per sanction, decided once, paged by state and listed per player.

use rally_store::{AppealState, NewSanction, SanctionKind, StoreError, new_id};

use crate::fixture::player;
use crate::harness::conformance;

conformance! {
    async fn a_sanction_is_appealed_once_and_the_appeal_decided_once(store: &Store) {
        let ada = player(store, "ada").await;
        let mut tx = store.begin().await.unwrap();
        let mute = tx
            .give_sanction(&NewSanction {
                id: new_id(),
                player_id: ada.id,
                kind: SanctionKind::Mute,
                reason: "spam".to_owned(),
                until: None,
                given_by: "mod".to_owned(),
            })
            .await
            .unwrap();
        let appeal = tx.file_appeal(mute.id, ada.id, "it was my brother").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(appeal.state, AppealState::Pending);

        let mut tx = store.begin().await.unwrap();
        let again = tx.file_appeal(mute.id, ada.id, "please").await;
        assert!(
            matches!(&again, Err(StoreError::Conflict { constraint }) if constraint == "appeals_once"),
            "{again:?}"
        );
        drop(tx);

        let pending = store.appeals(Some(AppealState::Pending), None, 10).await.unwrap();
        assert_eq!(pending.iter().map(|a| a.id).collect::<Vec<_>>(), [appeal.id]);
        let mut tx = store.begin().await.unwrap();
        let decided = tx
            .decide_appeal(appeal.id, AppealState::Overturned, "lead", "first offence")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (decided.state, decided.decided_by.as_deref(), decided.decision_reason.as_deref()),
            (AppealState::Overturned, Some("lead"), Some("first offence"))
        );
        assert!(tx.decide_appeal(appeal.id, AppealState::Upheld, "other", "no").await.unwrap().is_none());
        tx.commit().await.unwrap();
        assert!(store.appeals(Some(AppealState::Pending), None, 10).await.unwrap().is_empty());
        assert_eq!(store.appeals_of(ada.id).await.unwrap(), std::slice::from_ref(&decided));
        assert_eq!(store.appeal(appeal.id).await.unwrap(), Some(decided));
    }
}
