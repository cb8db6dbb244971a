//! Reports: filed once per reporter, target and scope; assigned into review, closed once with a
//! resolution; noted; paged by state, target and reporter; counted per player.

use rally_store::{
    NewOperator, NewReport, OperatorRole, ReportCategory, ReportFilter, ReportState, StoreError,
    new_id,
};

use crate::fixture::player;
use crate::harness::conformance;

fn report(reporter: uuid::Uuid, target: uuid::Uuid, match_id: Option<uuid::Uuid>) -> NewReport {
    NewReport {
        id: new_id(),
        reporter_id: reporter,
        player_id: target,
        match_id,
        message_id: None,
        category: ReportCategory::Cheating,
        text: "wallhack".to_owned(),
        evidence: None,
    }
}

conformance! {
    async fn a_report_is_filed_once_per_scope_and_moves_through_the_queue(store: &Store) {
        let ada = player(store, "ada").await;
        let bob = player(store, "bob").await;
        let cy = player(store, "cyd").await;
        let operator = store
            .create_operator(&NewOperator {
                id: new_id(),
                name: "mod".to_owned(),
                role: OperatorRole::Moderator,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
                totp_secret: None,
            })
            .await
            .unwrap()
            .id;

        let mut tx = store.begin().await.unwrap();
        let general = tx.file_report(&report(ada.id, bob.id, None)).await.unwrap();
        let about_match = tx.file_report(&report(ada.id, bob.id, Some(new_id()))).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(general.state, ReportState::Open);
        let mut tx = store.begin().await.unwrap();
        let again = tx.file_report(&report(ada.id, bob.id, None)).await;
        assert!(
            matches!(&again, Err(StoreError::Conflict { constraint }) if constraint == "reports_once"),
            "{again:?}"
        );
        drop(tx);
        let mut tx = store.begin().await.unwrap();
        let by_cy = tx.file_report(&report(cy.id, bob.id, None)).await.unwrap();
        tx.commit().await.unwrap();

        let about_bob = store
            .reports(ReportFilter { player_id: Some(bob.id), ..ReportFilter::default() }, None, 10)
            .await
            .unwrap();
        let ids: Vec<_> = about_bob.iter().map(|r| r.id).collect();
        assert_eq!(ids, [by_cy.id, about_match.id, general.id], "newest first");
        let by_ada = store
            .reports(ReportFilter { reporter_id: Some(ada.id), ..ReportFilter::default() }, Some(about_match.id), 10)
            .await
            .unwrap();
        assert_eq!(by_ada.iter().map(|r| r.id).collect::<Vec<_>>(), [general.id]);
        let counts = store.report_counts(bob.id).await.unwrap();
        assert_eq!((counts.made, counts.received), (0, 3));

        let mut tx = store.begin().await.unwrap();
        let assigned = tx.assign_report(general.id, operator).await.unwrap().unwrap();
        assert_eq!((assigned.state, assigned.assignee_id), (ReportState::InReview, Some(operator)));
        let note = tx.note_report(general.id, operator, "mod", "replay shows it").await.unwrap();
        let closed = tx
            .resolve_report(general.id, ReportState::Actioned, "banned 7 days", operator)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(closed.resolution.as_deref(), Some("banned 7 days"));
        assert!(tx.resolve_report(general.id, ReportState::Dismissed, "no", operator).await.unwrap().is_none());
        assert!(tx.assign_report(general.id, operator).await.unwrap().is_none(), "closed stays closed");
        // Dismissed without an assignment: the operator who closed it is its assignee.
        let dismissed = tx
            .resolve_report(by_cy.id, ReportState::Dismissed, "nothing seen", operator)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(dismissed.assignee_id, Some(operator));
        tx.commit().await.unwrap();
        assert_eq!(store.report_notes(general.id).await.unwrap(), [note]);
        let open = store
            .reports(ReportFilter { state: Some(ReportState::Open), ..ReportFilter::default() }, None, 10)
            .await
            .unwrap();
        assert_eq!(open.iter().map(|r| r.id).collect::<Vec<_>>(), [about_match.id]);

        // Who reported Bob lately, with how each one's reports were closed.
        let since = store.now().plus(time::Duration::hours(-1));
        let mut reporters = store.reporters_since(bob.id, since).await.unwrap();
        reporters.sort_by_key(|r| r.reporter_id != ada.id);
        let records: Vec<_> = reporters.iter().map(|r| (r.reporter_id, r.actioned, r.dismissed)).collect();
        assert_eq!(records, [(ada.id, 1, 0), (cy.id, 0, 1)]);
        let later = store.now().plus(time::Duration::hours(1));
        assert!(store.reporters_since(bob.id, later).await.unwrap().is_empty());
    }
}
