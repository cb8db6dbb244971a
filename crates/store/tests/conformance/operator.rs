//! Operators and the audit log: names unique in any case, a role each, disabled once; the log's
//! lines written with the change they record (or not at all), paged newest first, and never
//! changed or deleted, not even by hand in the database.

use rally_store::{NewAuditEntry, NewOperator, OperatorRole, StoreError, new_id};
use serde_json::json;

use crate::fixture::{conflict, invalid};
use crate::harness::{TestDb, conformance};

fn operator(name: &str, role: OperatorRole) -> NewOperator {
    NewOperator {
        id: new_id(),
        name: name.to_owned(),
        role,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        totp_secret: None,
    }
}

fn line(action: &str, target: &str) -> NewAuditEntry {
    NewAuditEntry {
        operator_id: None,
        actor: "cli".to_owned(),
        action: action.to_owned(),
        target: Some(target.to_owned()),
        reason: Some("testing".to_owned()),
        detail: json!({ "n": 1 }),
    }
}

conformance! {
    async fn an_operator_is_added_once_whatever_the_case_found_listed_and_disabled(store: &Store) {
        let ada = store.create_operator(&operator("Ada", OperatorRole::Admin)).await.unwrap();
        assert_eq!((ada.name.as_str(), ada.role, ada.disabled_at), ("Ada", OperatorRole::Admin, None));
        let again = store.create_operator(&operator("ADA", OperatorRole::Viewer)).await;
        assert_eq!(conflict(again), "operators_name_key");
        let short = store.create_operator(&operator("al", OperatorRole::Viewer)).await;
        assert_eq!(invalid(short), "operators_name_len");
        store.create_operator(&operator("bob", OperatorRole::Moderator)).await.unwrap();

        assert_eq!(store.operator_by_name("ada").await.unwrap().id, ada.id);
        assert_eq!(store.operator(ada.id).await.unwrap(), ada);
        assert!(matches!(store.operator_by_name("cyd").await, Err(StoreError::NotFound)));
        let names: Vec<String> = store.operators().await.unwrap().into_iter().map(|o| o.name).collect();
        assert_eq!(names, ["Ada", "bob"]);
        assert!(store.set_operator_totp(ada.id, Some("JBSWY3DPEHPK3PXP")).await.unwrap());
        let with_totp = store.operator(ada.id).await.unwrap();
        assert_eq!(with_totp.totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
        assert!(!format!("{with_totp:?}").contains("JBSWY"), "the secret never prints");
        assert!(store.set_operator_totp(ada.id, None).await.unwrap());
        assert!(!store.set_operator_totp(new_id(), None).await.unwrap(), "no such operator");
        assert!(store.disable_operator(ada.id).await.unwrap());
        assert!(!store.disable_operator(ada.id).await.unwrap(), "once");
        assert!(store.operator(ada.id).await.unwrap().disabled_at.is_some());
        assert!(!format!("{ada:?}").contains("argon2"), "the hash never prints");
    }

    async fn audit_lines_land_with_their_change_and_page_newest_first(store: &Store) {
        let ada = store.create_operator(&operator("ada", OperatorRole::Admin)).await.unwrap();
        let first = store.audit(&line("operator.add", "ada")).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        tx.audit(&line("player.ban", "rolled-back")).await.unwrap();
        drop(tx);
        let by_ada = NewAuditEntry { operator_id: Some(ada.id), actor: "ada".to_owned(), ..line("player.ban", "bob") };
        let second = store.audit(&by_ada).await.unwrap();
        let third = store.audit(&line("player.unban", "bob")).await.unwrap();

        let all = store.audit_log(None, 10).await.unwrap();
        let ids: Vec<_> = all.iter().map(|l| l.id).collect();
        assert_eq!(ids, [third, second, first], "newest first, the rolled back one absent");
        assert_eq!(all[1].operator_id, Some(ada.id));
        assert_eq!((all[1].actor.as_str(), all[1].action.as_str()), ("ada", "player.ban"));
        assert_eq!(all[1].detail, json!({ "n": 1 }));
        let page = store.audit_log(Some(second), 10).await.unwrap();
        assert_eq!(page.iter().map(|l| l.id).collect::<Vec<_>>(), [first]);
        assert_eq!(store.audit_log(None, 1).await.unwrap()[0].id, third);
    }
}

#[tokio::test]
async fn the_database_refuses_to_change_or_delete_an_audit_line() {
    for db in [TestDb::sqlite().await, TestDb::postgres().await] {
        db.store.audit(&line("player.ban", "bob")).await.unwrap();
        let changed = db
            .execute("UPDATE audit_log SET reason = 'nothing happened'")
            .await;
        let error = changed.expect_err("an update is refused").to_string();
        assert!(error.contains("audit_log_append_only"), "{error}");
        let deleted = db.execute("DELETE FROM audit_log").await;
        assert!(deleted.is_err(), "a delete is refused");
        let kept = db.store.audit_log(None, 10).await.unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].reason.as_deref(), Some("testing"));
    }
}
