//! The accept step: opened with a match, each player's answer kept once, settled once, found
//! when its deadline has passed; and the queue cooldowns of players who declined.

use rally_store::{AcceptanceState, QueueCooldown, Timestamp};

use crate::fixture::{new_match, participant, player};
use crate::harness::conformance;

conformance! {
    async fn an_accept_step_keeps_each_answer_once_and_settles_once(store: &Store) {
        let ada = player(store, "ada").await;
        let bob = player(store, "bob").await;
        let now = store.now();
        let made = new_match(now, vec![participant(ada.id, 0), participant(bob.id, 1)]);
        let later = new_match(now, vec![participant(ada.id, 0)]);
        let deadline = now.plus(time::Duration::seconds(20));
        let mut tx = store.begin().await.unwrap();
        tx.create_match(&made).await.unwrap();
        tx.create_match(&later).await.unwrap();
        tx.open_acceptances(&[(made.id, deadline), (later.id, now.plus(time::Duration::seconds(40)))])
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let opened = store.acceptance(made.id).await.unwrap().unwrap();
        assert_eq!((opened.state, opened.deadline), (AcceptanceState::Pending, deadline));
        assert!(store.acceptance(rally_store::new_id()).await.unwrap().is_none());

        let mut tx = store.begin().await.unwrap();
        assert!(tx.lock_match(made.id).await.unwrap());
        assert!(tx.accept_match(made.id, ada.id).await.unwrap());
        assert!(!tx.accept_match(made.id, ada.id).await.unwrap(), "once");
        assert!(!tx.accept_match(made.id, rally_store::new_id()).await.unwrap(), "players only");
        let answers = tx.player_acceptances(made.id).await.unwrap();
        assert_eq!(answers.len(), 2);
        let ada_answer = answers.iter().find(|a| a.player_id == ada.id).unwrap();
        let bob_answer = answers.iter().find(|a| a.player_id == bob.id).unwrap();
        assert!(ada_answer.accepted_at.is_some() && bob_answer.accepted_at.is_none());
        tx.commit().await.unwrap();

        // Only the pending steps past their deadline are lapsed, earliest first.
        assert!(store.lapsed_acceptances(now, 10).await.unwrap().is_empty());
        let past = now.plus(time::Duration::seconds(60));
        assert_eq!(store.lapsed_acceptances(past, 10).await.unwrap(), vec![made.id, later.id]);
        assert_eq!(store.lapsed_acceptances(past, 1).await.unwrap(), vec![made.id]);

        let mut tx = store.begin().await.unwrap();
        assert!(tx.settle_acceptance(made.id, AcceptanceState::Declined).await.unwrap());
        assert!(!tx.settle_acceptance(made.id, AcceptanceState::Accepted).await.unwrap(), "once");
        tx.commit().await.unwrap();
        assert_eq!(
            store.acceptance(made.id).await.unwrap().unwrap().state,
            AcceptanceState::Declined
        );
        assert_eq!(store.lapsed_acceptances(past, 10).await.unwrap(), vec![later.id]);
    }

    async fn a_cooldown_is_stored_replaced_and_read_for_many_players(store: &Store) {
        let ada = player(store, "ada").await;
        let bob = player(store, "bob").await;
        let now = store.now();
        let first = QueueCooldown {
            player_id: ada.id,
            declines: 1,
            declined_at: now,
            until: now.plus(time::Duration::seconds(60)),
        };
        let mut tx = store.begin().await.unwrap();
        assert!(tx.queue_cooldown(ada.id).await.unwrap().is_none());
        tx.put_queue_cooldown(&first).await.unwrap();
        tx.commit().await.unwrap();
        let second = QueueCooldown {
            declines: 2,
            until: now.plus(time::Duration::seconds(300)),
            ..first.clone()
        };
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.queue_cooldown(ada.id).await.unwrap(), Some(first));
        tx.put_queue_cooldown(&second).await.unwrap();
        tx.commit().await.unwrap();
        // Queueing reads the cooldown's end with the rest of each player's standing.
        let standings = store.queue_standings(&[ada.id, bob.id], "duel").await.unwrap();
        let until = |id| standings.iter().find(|s| s.player_id == id).unwrap().cooldown_until;
        assert_eq!((until(ada.id), until(bob.id)), (Some(second.until), None));
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.queue_cooldown(ada.id).await.unwrap(), Some(second));
        tx.commit().await.unwrap();

        // An end before the decline is refused by the database.
        let backwards = QueueCooldown {
            player_id: bob.id,
            declines: 1,
            declined_at: now,
            until: Timestamp::from_unix_millis(now.unix_millis() - 1),
        };
        let mut tx = store.begin().await.unwrap();
        assert!(tx.put_queue_cooldown(&backwards).await.is_err());
    }
}
