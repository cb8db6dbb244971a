//! Queue tickets.

use rally_store::{NewParty, NewTicket, StoreError, TicketState, Timestamp, new_id};
use serde_json::json;
use uuid::Uuid;

use crate::fixture::{conflict, new_match, participant, player};
use crate::harness::conformance;

fn new_ticket(owner_id: Uuid, members: Vec<Uuid>, created_at: Timestamp) -> NewTicket {
    NewTicket {
        id: new_id(),
        owner_id,
        party_id: None,
        mode: "duel".to_owned(),
        region: "eu".to_owned(),
        latencies: json!({"eu": 31, "na": 120}),
        spec: json!({"members": members.len()}),
        members,
        created_at,
    }
}

conformance! {
    async fn a_player_has_at_most_one_searching_ticket(store: &Store) {
        let p = player(store, "queuer").await;
        let first = store.create_ticket(&new_ticket(p.id, vec![p.id], store.now())).await;
        let first = first.unwrap();
        assert_eq!(first.state, TicketState::Searching);
        let second = store.create_ticket(&new_ticket(p.id, vec![p.id], store.now())).await;
        assert_eq!(conflict(second), "ticket_members_active_player_key");

        let cancelled = store
            .set_ticket_state(first.id, TicketState::Searching, TicketState::Cancelled, None,
                Some("by player"))
            .await
            .unwrap();
        assert_eq!(cancelled.state, TicketState::Cancelled);
        assert_eq!(cancelled.cancel_reason.as_deref(), Some("by player"));
        assert!(store.active_ticket_of_player(p.id).await.unwrap().is_none());

        let third = store.create_ticket(&new_ticket(p.id, vec![p.id], store.now())).await;
        let third = third.unwrap();
        assert_eq!(store.active_ticket_of_player(p.id).await.unwrap().unwrap().id, third.id);
    }

    async fn a_party_ticket_holds_each_member_to_one_searching_ticket(store: &Store) {
        let leader = player(store, "party_leader").await;
        let friend = player(store, "party_friend").await;
        let party = store
            .create_party(&NewParty { id: new_id(), leader_id: leader.id, max_size: 2, open: false })
            .await
            .unwrap();
        store.add_party_member(party.id, friend.id).await.unwrap();
        store.create_ticket(&new_ticket(friend.id, vec![friend.id], store.now())).await.unwrap();

        let mut together = new_ticket(leader.id, vec![leader.id, friend.id], store.now());
        together.party_id = Some(party.id);
        assert_eq!(
            conflict(store.create_ticket(&together).await),
            "ticket_members_active_player_key"
        );
        // The whole ticket was refused, the leader's row included.
        assert!(store.active_ticket_of_player(leader.id).await.unwrap().is_none());

        let solo = store.active_ticket_of_player(friend.id).await.unwrap().unwrap();
        store
            .set_ticket_state(solo.id, TicketState::Searching, TicketState::TimedOut, None, None)
            .await
            .unwrap();
        let stored = store.create_ticket(&together).await.unwrap();
        assert_eq!(stored.party_id, Some(party.id));
        let mut members = vec![leader.id, friend.id];
        members.sort();
        assert_eq!(store.ticket_members(stored.id).await.unwrap(), members);
    }

    async fn ticket_state_changes_only_from_the_expected_state(store: &Store) {
        let p = player(store, "changer").await;
        let t = store.create_ticket(&new_ticket(p.id, vec![p.id], store.now())).await.unwrap();
        store
            .set_ticket_state(t.id, TicketState::Searching, TicketState::Cancelled, None, None)
            .await
            .unwrap();
        let late = store
            .set_ticket_state(t.id, TicketState::Searching, TicketState::Matched, None, None)
            .await;
        assert!(matches!(late, Err(StoreError::NotFound)), "{late:?}");
        assert_eq!(store.ticket(t.id).await.unwrap().state, TicketState::Cancelled);
        assert!(matches!(store.ticket(new_id()).await, Err(StoreError::NotFound)));
    }

    async fn open_tickets_come_oldest_first_with_their_enqueue_time(store: &Store) {
        let base = Timestamp::from_unix_millis(1_790_000_000_123);
        let mut expected = Vec::new();
        for (i, name) in ["older", "newer"].iter().enumerate() {
            let p = player(store, name).await;
            let at = base.plus(time::Duration::milliseconds(i64::try_from(i).unwrap() * 1500));
            let t = store.create_ticket(&new_ticket(p.id, vec![p.id], at)).await.unwrap();
            expected.push((t.id, at));
        }
        let other = player(store, "elsewhere").await;
        let mut far = new_ticket(other.id, vec![other.id], base);
        far.region = "na".to_owned();
        store.create_ticket(&far).await.unwrap();

        let open = store.open_tickets("duel", "eu").await.unwrap();
        let got: Vec<_> = open.iter().map(|t| (t.id, t.created_at)).collect();
        assert_eq!(got, expected);
        assert_eq!(open[0].latencies, json!({"eu": 31, "na": 120}));
        assert_eq!(store.open_tickets("squad", "eu").await.unwrap(), vec![]);
    }

    async fn a_queue_is_rebuilt_from_its_open_tickets_and_followed_by_change_time(store: &Store) {
        let (a, b, c) = (player(store, "mm_a").await, player(store, "mm_b").await, player(store, "mm_c").await);
        let start = store.now().plus(time::Duration::milliseconds(-50));
        let first = store.create_ticket(&new_ticket(a.id, vec![a.id], start)).await.unwrap();
        let mut other_region = new_ticket(b.id, vec![b.id], start.plus(time::Duration::milliseconds(5)));
        other_region.region = "na".to_owned();
        let second = store.create_ticket(&other_region).await.unwrap();
        let mut other_mode = new_ticket(c.id, vec![c.id], start);
        other_mode.mode = "squad".to_owned();
        store.create_ticket(&other_mode).await.unwrap();

        let open = store.open_tickets_of_mode("duel").await.unwrap();
        assert_eq!(open.iter().map(|t| t.id).collect::<Vec<_>>(), vec![first.id, second.id]);
        assert_eq!(open[0].spec, json!({"members": 1}));

        let cancelled_at = store.now();
        store
            .set_ticket_state(first.id, TicketState::Searching, TicketState::Cancelled, None, Some("by_player"))
            .await
            .unwrap();
        let changed = store.tickets_changed_since("duel", cancelled_at).await.unwrap();
        assert_eq!(changed.len(), 1);
        assert_eq!((changed[0].id, changed[0].state), (first.id, TicketState::Cancelled));
        assert_eq!(store.open_tickets_of_mode("duel").await.unwrap().len(), 1);

        // The same changes, ids and states only, within a window that ends before `until`.
        let until = store.now().plus(time::Duration::milliseconds(1));
        let window = store.ticket_changes_between("duel", start, until).await.unwrap();
        let got: Vec<_> = window.iter().map(|c| (c.id, c.state, c.region.as_str())).collect();
        // Each change names its ticket's region, the bucket it belongs to.
        assert_eq!(
            got,
            vec![(second.id, TicketState::Searching, "na"), (first.id, TicketState::Cancelled, "eu")]
        );
        let before_cancel = store.ticket_changes_between("duel", start, cancelled_at).await.unwrap();
        assert_eq!(before_cancel.iter().map(|c| c.id).collect::<Vec<_>>(), vec![second.id]);
        assert!(store.ticket_changes_between("duel", until, until).await.unwrap().is_empty());
    }

    async fn a_queue_is_read_again_a_page_at_a_time_in_id_order(store: &Store) {
        let start = store.now();
        let mut ids = Vec::new();
        for i in 0..5 {
            let p = player(store, &format!("page_{i}")).await;
            ids.push(store.create_ticket(&new_ticket(p.id, vec![p.id], start)).await.unwrap().id);
        }
        let gone = player(store, "page_gone").await;
        let cancelled = store.create_ticket(&new_ticket(gone.id, vec![gone.id], start)).await.unwrap();
        store
            .set_ticket_state(cancelled.id, TicketState::Searching, TicketState::Cancelled, None, Some("by_player"))
            .await
            .unwrap();
        let elsewhere = player(store, "page_squad").await;
        let mut squad = new_ticket(elsewhere.id, vec![elsewhere.id], start);
        squad.mode = "squad".to_owned();
        store.create_ticket(&squad).await.unwrap();
        ids.sort();

        let mut read = Vec::new();
        let mut after = None;
        loop {
            let page = store.open_ticket_ids_page("duel", after, 2).await.unwrap();
            assert!(page.len() <= 2);
            assert!(page.iter().all(|(_, region)| region == "eu"), "{page:?}");
            read.extend(page.iter().map(|(id, _)| *id));
            match page.last() {
                Some((last, _)) if page.len() == 2 => after = Some(*last),
                _ => break,
            }
        }
        assert_eq!(read, ids, "every searching ticket of the queue once, in id order");
    }

    async fn writes_of_one_owner_hold_its_epoch_together_and_a_takeover_ends_them(store: &Store) {
        let first = store.take_queue("duel").await.unwrap();
        let mut a = store.begin().await.unwrap();
        a.fence_queue("duel", first).await.unwrap();
        if store.backend() == rally_store::Backend::Postgres {
            // A second write of the same owner is admitted while the first is open (SQLite has
            // one writer at a time whatever the fence does).
            let mut b = store.begin().await.unwrap();
            b.fence_queue("duel", first).await.unwrap();
            b.commit().await.unwrap();
        }
        let takeover = tokio::spawn({
            let store = store.clone();
            async move { store.take_queue("duel").await.unwrap() }
        });
        a.commit().await.unwrap();
        let second = takeover.await.unwrap();
        assert!(second > first);
        let mut late = store.begin().await.unwrap();
        assert!(matches!(late.fence_queue("duel", first).await, Err(StoreError::Fenced { .. })));
    }

    async fn only_the_latest_owner_of_a_queue_can_write_for_it(store: &Store) {
        let first = store.take_queue("duel").await.unwrap();
        let mut tx = store.begin().await.unwrap();
        tx.fence_queue("duel", first).await.unwrap();
        tx.commit().await.unwrap();
        let second = store.take_queue("duel").await.unwrap();
        assert!(second > first);
        let mut tx = store.begin().await.unwrap();
        assert!(matches!(tx.fence_queue("duel", first).await, Err(StoreError::Fenced { queue }) if queue == "duel"));
        drop(tx);
        let mut tx = store.begin().await.unwrap();
        tx.fence_queue("duel", second).await.unwrap();
        assert!(tx.fence_queue("squad", 1).await.is_err(), "nobody took squad");
        tx.commit().await.unwrap();
        let squad = store.take_queue("squad").await.unwrap();
        assert_eq!(squad, 1);
    }
}

conformance! {
    async fn queue_standings_tell_who_is_queued_in_a_match_and_rated(store: &Store) {
        let (free, queued, playing) = (player(store, "free").await, player(store, "queued").await, player(store, "playing").await);
        let ids = [free.id, queued.id, playing.id, new_id()];
        let before = store.queue_standings(&ids, "duel").await.unwrap();
        assert_eq!(before.len(), 3, "a player that does not exist has no standing");
        assert!(before.iter().all(|s| !s.queued && !s.in_match && s.season_id.is_none() && s.mean.is_none()));

        let season = store.start_season(new_id(), "S").await.unwrap();
        let key = rally_store::RatingKey { player_id: free.id, season_id: season.id, mode: "duel".to_owned() };
        store.upsert_rating(&key, rally_store::RatingValue::new(27.0, 6.0), 3).await.unwrap();
        store.create_ticket(&new_ticket(queued.id, vec![queued.id], store.now())).await.unwrap();
        store.create_match(&new_match(store.now(), vec![participant(playing.id, 0)])).await.unwrap();

        let after = store.queue_standings(&ids, "duel").await.unwrap();
        let of = |id| after.iter().find(|s| s.player_id == id).unwrap();
        assert_eq!((of(free.id).mean, of(free.id).uncertainty), (Some(27.0), Some(6.0)));
        assert_eq!(of(free.id).display_name, free.display_name);
        assert!(!of(free.id).queued && !of(free.id).in_match);
        assert!(of(queued.id).queued && !of(queued.id).in_match);
        assert!(of(playing.id).in_match && !of(playing.id).queued);
        assert!(after.iter().all(|s| s.season_id == Some(season.id)));
        assert!(store.queue_standings(&[free.id], "squad").await.unwrap()[0].mean.is_none(), "rated per mode");
        // One player alone (read by id on PostgreSQL) stands as in a group.
        for id in [free.id, queued.id, playing.id] {
            assert_eq!(store.queue_standings(&[id], "duel").await.unwrap(), vec![of(id).clone()]);
        }
        assert!(store.queue_standings(&[new_id()], "duel").await.unwrap().is_empty());
    }
}
