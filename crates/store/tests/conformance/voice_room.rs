//! A party's voice room: generation 0 when made, one more with each move, and no room for a
//! party that does not exist.

use rally_store::{NewParty, StoreError, new_id};

use crate::fixture::player;
use crate::harness::conformance;

conformance! {
    async fn a_partys_voice_room_moves_on_one_generation_at_a_time(store: &Store) {
        let ada = player(store, "ada").await;
        let party = store
            .create_party(&NewParty { id: new_id(), leader_id: ada.id, max_size: 4, open: false })
            .await
            .unwrap();
        assert_eq!(store.voice_generation(party.id).await.unwrap(), 0);
        let mut tx = store.begin().await.unwrap();
        tx.next_voice_room(party.id).await.unwrap();
        tx.next_voice_room(party.id).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.voice_generation(party.id).await.unwrap(), 2);
        assert!(matches!(store.voice_generation(new_id()).await, Err(StoreError::NotFound)));
    }
}
