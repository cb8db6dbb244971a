//! Chat messages: stored and paged newest first by id, edited and deleted once, read marks that
//! only move forward, unread direct messages counted per channel, reports once per reporter,
//! and the purge of one kind's old messages.

use rally_store::{ChatKind, NewChatMessage, StoreError, new_id};

use crate::fixture::{conflict, player};
use crate::harness::conformance;

fn message(channel: &str, kind: ChatKind, sender: uuid::Uuid, body: &str) -> NewChatMessage {
    NewChatMessage {
        id: new_id(),
        channel: channel.to_owned(),
        kind,
        sender_id: sender,
        sender_name: "someone".to_owned(),
        recipient_id: None,
        body: body.to_owned(),
    }
}

conformance! {
    async fn a_channel_is_paged_newest_first_without_its_deleted_messages(store: &Store) {
        let ada = player(store, "ada").await;
        let mut sent = Vec::new();
        let mut tx = store.begin().await.unwrap();
        for i in 0..5 {
            let m = message("party:p", ChatKind::Party, ada.id, &format!("m{i}"));
            sent.push(tx.insert_chat_message(&m).await.unwrap());
        }
        tx.insert_chat_message(&message("party:q", ChatKind::Party, ada.id, "other")).await.unwrap();
        tx.commit().await.unwrap();
        let first = store.chat_history("party:p", None, 2).await.unwrap();
        let bodies: Vec<&str> = first.iter().map(|m| m.body.as_str()).collect();
        assert_eq!(bodies, ["m4", "m3"]);
        let next = store.chat_history("party:p", Some(first[1].id), 10).await.unwrap();
        let bodies: Vec<&str> = next.iter().map(|m| m.body.as_str()).collect();
        assert_eq!(bodies, ["m2", "m1", "m0"]);

        let mut tx = store.begin().await.unwrap();
        let edited = tx.edit_chat_message(sent[2].id, "m2 again").await.unwrap();
        assert!(edited.edited_at.is_some());
        let deleted = tx.delete_chat_message(sent[3].id).await.unwrap();
        assert!(deleted.deleted_at.is_some());
        assert!(matches!(tx.delete_chat_message(sent[3].id).await, Err(StoreError::NotFound)));
        assert!(matches!(tx.edit_chat_message(sent[3].id, "x").await, Err(StoreError::NotFound)));
        tx.commit().await.unwrap();
        let all = store.chat_history("party:p", None, 10).await.unwrap();
        let bodies: Vec<&str> = all.iter().map(|m| m.body.as_str()).collect();
        assert_eq!(bodies, ["m4", "m2 again", "m1", "m0"]);
        // The deleted message is kept for moderators.
        let kept = store.chat_message(sent[3].id).await.unwrap().unwrap();
        assert_eq!((kept.body.as_str(), kept.deleted_at.is_some()), ("m3", true));
    }

    async fn unread_direct_messages_count_from_the_newest_read_per_channel(store: &Store) {
        let ada = player(store, "ada").await;
        let bob = player(store, "bob").await;
        let cyd = player(store, "cyd").await;
        let mut tx = store.begin().await.unwrap();
        let mut to_ada = Vec::new();
        for (from, channel) in [(bob.id, "dm:ab"), (bob.id, "dm:ab"), (cyd.id, "dm:ac"), (bob.id, "dm:ab")] {
            let mut m = message(channel, ChatKind::Direct, from, "hi");
            m.recipient_id = Some(ada.id);
            to_ada.push(tx.insert_chat_message(&m).await.unwrap());
        }
        let mut back = message("dm:ab", ChatKind::Direct, ada.id, "hello");
        back.recipient_id = Some(bob.id);
        tx.insert_chat_message(&back).await.unwrap();
        tx.commit().await.unwrap();

        let unread = store.unread_direct(ada.id).await.unwrap();
        let counts: Vec<(&str, i64)> = unread.iter().map(|u| (u.channel.as_str(), u.unread)).collect();
        assert_eq!(counts, [("dm:ab", 3), ("dm:ac", 1)]);
        assert_eq!(unread[0].sender_id, bob.id);
        store.mark_chat_read(ada.id, "dm:ab", to_ada[1].id).await.unwrap();
        // An older mark does not move it back.
        store.mark_chat_read(ada.id, "dm:ab", to_ada[0].id).await.unwrap();
        let unread = store.unread_direct(ada.id).await.unwrap();
        let counts: Vec<(&str, i64)> = unread.iter().map(|u| (u.channel.as_str(), u.unread)).collect();
        assert_eq!(counts, [("dm:ab", 1), ("dm:ac", 1)]);
        let mut tx = store.begin().await.unwrap();
        tx.delete_chat_message(to_ada[2].id).await.unwrap();
        tx.commit().await.unwrap();
        let unread = store.unread_direct(ada.id).await.unwrap();
        assert_eq!(unread.len(), 1, "a deleted message is not unread");
        assert!(store.unread_direct(cyd.id).await.unwrap().is_empty());
    }

    async fn a_report_is_kept_once_per_reporter_and_the_purge_takes_one_kinds_old_messages(store: &Store) {
        let ada = player(store, "ada").await;
        let bob = player(store, "bob").await;
        let mut tx = store.begin().await.unwrap();
        let said = tx.insert_chat_message(&message("match:m", ChatKind::Match, ada.id, "rude")).await.unwrap();
        let party = tx.insert_chat_message(&message("party:p", ChatKind::Party, ada.id, "hi")).await.unwrap();
        tx.commit().await.unwrap();
        store.report_chat_message(new_id(), said.id, bob.id, "insult").await.unwrap();
        let again = store.report_chat_message(new_id(), said.id, bob.id, "insult").await;
        assert_eq!(conflict(again), "chat_reports_once");
        let reports = store.chat_reports(10).await.unwrap();
        assert_eq!(reports.len(), 1);
        assert_eq!((reports[0].reporter_id, reports[0].message.id), (bob.id, said.id));
        assert_eq!(reports[0].message.body, "rude");
        // The text reported stays as it was when the message is edited after.
        let mut tx = store.begin().await.unwrap();
        tx.edit_chat_message(said.id, "nice").await.unwrap();
        tx.commit().await.unwrap();
        let reports = store.chat_reports(10).await.unwrap();
        assert_eq!((reports[0].reported_body.as_str(), reports[0].message.body.as_str()), ("rude", "nice"));
        let gone = store.report_chat_message(new_id(), new_id(), ada.id, "?").await;
        assert!(matches!(gone, Err(StoreError::NotFound)), "{gone:?}");

        let later = store.now().plus(time::Duration::seconds(1));
        assert_eq!(store.purge_chat(ChatKind::Match, later).await.unwrap(), 1);
        assert!(store.chat_message(said.id).await.unwrap().is_none());
        assert!(store.chat_reports(10).await.unwrap().is_empty(), "its reports go with it");
        let earlier = party.created_at.plus(time::Duration::seconds(-1));
        assert_eq!(store.purge_chat(ChatKind::Party, earlier).await.unwrap(), 0);
        assert!(store.chat_message(party.id).await.unwrap().is_some());
    }
}
