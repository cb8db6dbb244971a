//! The generation of each party's voice room (`parties.voice_generation`): moved on whenever a
//! member leaves or is kicked, so the room the remaining members join is one the departed
//! member holds no token for.

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::Store;
use crate::transaction::Transaction;

const NEXT: &str = "UPDATE parties SET voice_generation = voice_generation + 1 WHERE id = $1";
const CURRENT: &str = "SELECT voice_generation FROM parties WHERE id = $1";

impl Transaction {
    /// Moves the party's voice room to its next generation.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "next_voice_room"))]
    pub async fn next_voice_room(&mut self, party_id: Uuid) -> Result<(), StoreError> {
        on_tx!(self, conn => {
            sqlx::query(NEXT).bind(party_id).execute(&mut *conn).await?;
        });
        Ok(())
    }
}

impl Store {
    /// The generation of the party's voice room; [`StoreError::NotFound`] for no such party.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "voice_generation"))]
    pub async fn voice_generation(&self, party_id: Uuid) -> Result<i32, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, i32>(CURRENT)
                .bind(party_id)
                .fetch_one(pool)
                .await?)
        })
    }
}
