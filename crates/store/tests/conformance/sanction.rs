//! Sanctions: recorded with who gave them and why, one held per kind (a new one supersedes
//! the old), lifted once, over once their end passes, and a cooldown read by queueing; the
//! strikes a match played to its end forgives.

use rally_store::{
    NewSanction, Outcome, QueueCooldown, SUPERSEDED, SanctionKind, StoreError, new_id,
};

use crate::fixture::{new_match, participant, player};
use crate::harness::conformance;

fn sanction(
    player_id: uuid::Uuid,
    kind: SanctionKind,
    reason: &str,
    until: Option<rally_store::Timestamp>,
) -> NewSanction {
    NewSanction {
        id: new_id(),
        player_id,
        kind,
        reason: reason.to_owned(),
        until,
        given_by: "mod".to_owned(),
    }
}

conformance! {
    async fn a_new_sanction_of_a_kind_supersedes_the_held_one_and_a_lift_happens_once(store: &Store) {
        let rude = player(store, "rude").await;
        let now = store.now();
        let mut tx = store.begin().await.unwrap();
        let first = tx
            .give_sanction(&sanction(rude.id, SanctionKind::Mute, "slurs", None))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(first.holds_at(now));
        assert_eq!(
            store.held_sanction(rude.id, SanctionKind::Mute, now).await.unwrap().map(|s| s.id),
            Some(first.id)
        );
        assert!(store.held_sanction(rude.id, SanctionKind::Cooldown, now).await.unwrap().is_none());

        let until = now.plus(time::Duration::hours(1));
        let mut tx = store.begin().await.unwrap();
        let second = tx
            .give_sanction(&sanction(rude.id, SanctionKind::Mute, "again", Some(until)))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let old = store.sanction(first.id).await.unwrap().unwrap();
        assert_eq!(old.lift_reason.as_deref(), Some(SUPERSEDED));
        assert_eq!(old.lifted_by.as_deref(), Some("mod"));
        assert!(!old.holds_at(store.now()));
        let all = store.sanctions_of(rude.id).await.unwrap();
        assert_eq!(all.iter().map(|s| s.id).collect::<Vec<_>>(), [second.id, first.id], "newest first");

        let mut tx = store.begin().await.unwrap();
        let lifted = tx.lift_sanction(second.id, "lead", "appeal upheld").await.unwrap().unwrap();
        assert_eq!(
            (lifted.lifted_by.as_deref(), lifted.lift_reason.as_deref()),
            (Some("lead"), Some("appeal upheld"))
        );
        assert!(tx.lift_sanction(second.id, "lead", "twice").await.unwrap().is_none());
        tx.commit().await.unwrap();
        assert!(store.held_sanction(rude.id, SanctionKind::Mute, store.now()).await.unwrap().is_none());
    }

    async fn a_sanction_past_its_end_no_longer_holds_nor_lifts(store: &Store) {
        let cooled = player(store, "cooled").await;
        let until = store.now().plus(time::Duration::minutes(5));
        let mut tx = store.begin().await.unwrap();
        let given = tx
            .give_sanction(&sanction(cooled.id, SanctionKind::Cooldown, "leaver", Some(until)))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let standing = store.queue_standings(&[cooled.id], "duel").await.unwrap();
        assert_eq!(standing[0].sanction_until, Some(until), "queueing reads the cooldown");

        let later = until.plus(time::Duration::seconds(1));
        assert!(!given.holds_at(later));
        assert!(store.held_sanction(cooled.id, SanctionKind::Cooldown, later).await.unwrap().is_none());
        // Lifted by hand, its row leaves queueing's reading.
        let mut tx = store.begin().await.unwrap();
        assert!(tx.lift_held_sanction(cooled.id, SanctionKind::Cooldown, "mod", "done").await.unwrap());
        tx.commit().await.unwrap();
        let standing = store.queue_standings(&[cooled.id], "duel").await.unwrap();
        assert_eq!(standing[0].sanction_until, None);
    }

    async fn sanctioning_nobody_is_not_found(store: &Store) {
        let mut tx = store.begin().await.unwrap();
        let result = tx
            .give_sanction(&sanction(new_id(), SanctionKind::Mute, "ghost", None))
            .await;
        assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    }
}

conformance! {
    async fn a_match_played_to_its_end_takes_a_strike_back_from_each_who_stayed(store: &Store) {
        let stayer = player(store, "stayer").await;
        let leaver = player(store, "leaver").await;
        let now = store.now();
        let mut stay = participant(stayer.id, 0);
        stay.outcome = Some(Outcome::Win);
        let mut leave = participant(leaver.id, 1);
        leave.outcome = Some(Outcome::Left);
        let mut tx = store.begin().await.unwrap();
        let record = tx.create_match(&new_match(now, vec![stay, leave])).await.unwrap();
        for player_id in [stayer.id, leaver.id] {
            let struck = QueueCooldown { player_id, declines: 2, declined_at: now, until: now };
            tx.put_queue_cooldown(&struck).await.unwrap();
        }
        tx.forgive_strikes(record.id).await.unwrap();
        assert_eq!(tx.queue_cooldown(stayer.id).await.unwrap().unwrap().declines, 1);
        tx.forgive_strikes(record.id).await.unwrap();
        tx.forgive_strikes(record.id).await.unwrap();
        // Two back, then nothing left to take; the leaver keeps theirs.
        assert!(tx.queue_cooldown(stayer.id).await.unwrap().is_none());
        assert_eq!(tx.queue_cooldown(leaver.id).await.unwrap().unwrap().declines, 2);
    }
}
