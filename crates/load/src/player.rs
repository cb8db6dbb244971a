//! Bench players: written straight into a node's store (no argon2, which is not what the
//! benchmarks measure) and given access tokens signed with the node's key.

use rally_server::accounts::AccessTokens;
use rally_store::{NewPlayer, Store};
use uuid::Uuid;

/// Players written per transaction.
const PER_TRANSACTION: usize = 1000;

/// A bench player: id and access token.
#[derive(Debug, Clone)]
pub struct BenchPlayer {
    /// The player.
    pub id: Uuid,
    /// An access token for them.
    pub token: String,
}

/// Writes `count` players into `store` with access tokens from `tokens`. They cannot log in
/// (their password hash is no hash), and their emails end in `@bench.invalid`.
pub async fn create_players(
    store: &Store,
    count: usize,
    tokens: &AccessTokens,
) -> anyhow::Result<Vec<BenchPlayer>> {
    let run = &Uuid::new_v4().simple().to_string()[..6];
    let mut players = Vec::with_capacity(count);
    let mut next = 0;
    while next < count {
        let end = (next + PER_TRANSACTION).min(count);
        let mut tx = store.begin().await?;
        for i in next..end {
            let id = rally_store::new_id();
            let new = NewPlayer {
                id,
                username: format!("b{run}_{i}"),
                email: format!("b{run}_{i}@bench.invalid"),
                display_name: format!("Bench {i}"),
                region: None,
            };
            tx.create_player(&new, "$bench$no-login").await?;
            players.push(BenchPlayer {
                id,
                token: tokens.issue(id, Uuid::new_v4())?,
            });
        }
        tx.commit().await?;
        next = end;
    }
    Ok(players)
}
