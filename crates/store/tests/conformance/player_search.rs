//! Finding players for operators: by id, or by the start of a username, email or display name
//! in any case, wildcards taken literally.

use crate::fixture::player;
use crate::harness::conformance;

conformance! {
    async fn players_are_found_by_id_or_by_the_start_of_a_name_or_email(store: &Store) {
        let ada = player(store, "ada_lovelace").await;
        let adam = player(store, "adamant").await;
        let bob = player(store, "bob").await;

        let names = |found: Vec<rally_store::Player>| {
            found.into_iter().map(|p| p.username).collect::<Vec<_>>()
        };
        assert_eq!(names(store.search_players("ADA", 10).await.unwrap()), ["ada_lovelace", "adamant"]);
        assert_eq!(names(store.search_players("ada", 1).await.unwrap()), ["ada_lovelace"]);
        assert_eq!(names(store.search_players("ada_", 10).await.unwrap()), ["ada_lovelace"], "`_` is no wildcard");
        assert!(store.search_players("%", 10).await.unwrap().is_empty(), "`%` is no wildcard");
        assert_eq!(names(store.search_players(&bob.email.to_uppercase(), 10).await.unwrap()), ["bob"]);
        assert_eq!(names(store.search_players(&adam.id.to_string(), 10).await.unwrap()), ["adamant"]);
        assert!(store.search_players(&rally_store::new_id().to_string(), 10).await.unwrap().is_empty());
        assert!(store.search_players("  ", 10).await.unwrap().is_empty());
        assert_eq!(ada.username, "ada_lovelace");
    }
}
