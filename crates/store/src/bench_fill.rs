//! Benchmark fixtures: many rated players written in a few statements (`rally bench ratings`).
//! Their emails end in `@<run>.bench.invalid`, so a run's rows are easy to find and can never be
//! anyone's mail; they have no credentials, so nobody can log in as them.

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::{Pool, Store};

const FILL_POSTGRES: &str = "WITH made AS ( \
     INSERT INTO players (id, username, email, display_name) \
     SELECT gen_random_uuid(), $1 || i, $1 || i || '@' || $1 || '.bench.invalid', 'Bench ' || i \
     FROM generate_series(1, $2::bigint) AS i RETURNING id) \
     INSERT INTO ratings (player_id, season_id, mode, mean, uncertainty, games) \
     SELECT id, $3, $4, 1100 + random() * 800, 50 + random() * 250, 10 FROM made";
const FILL_SQLITE_PLAYERS: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
     WHERE i < $2) INSERT INTO players (id, username, email, display_name) \
     SELECT randomblob(16), $1 || i, $1 || i || '@' || $1 || '.bench.invalid', 'Bench ' || i FROM n";
const FILL_SQLITE_RATINGS: &str = "INSERT INTO ratings (player_id, season_id, mode, mean, \
     uncertainty, games, updated_at) SELECT id, $3, $4, 1100 + (abs(random()) % 800000) / 1000.0, \
     50 + (abs(random()) % 250000) / 1000.0, 10, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
     FROM players WHERE email LIKE '%@' || $1 || '.bench.invalid'";
const SAMPLE: &str =
    "SELECT id FROM players WHERE email LIKE '%@' || $1 || '.bench.invalid' LIMIT $2";

impl Store {
    /// Writes `count` players named `<run><n>`, each rated in `season_id` and `mode` (means
    /// spread over 1100..1900, uncertainties over 50..300), and returns up to `sample` of their
    /// ids. `run` is 1 to 12 of `[a-z0-9]`.
    pub async fn bench_fill(
        &self,
        run: &str,
        count: i64,
        season_id: Uuid,
        mode: &str,
        sample: i64,
    ) -> Result<Vec<Uuid>, StoreError> {
        if run.is_empty()
            || run.len() > 12
            || !run
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Err(StoreError::Invalid {
                constraint: "bench_run_name".to_owned(),
            });
        }
        match &self.pool {
            Pool::Postgres(pool) => {
                sqlx::query(FILL_POSTGRES)
                    .bind(run)
                    .bind(count)
                    .bind(season_id)
                    .bind(mode)
                    .execute(pool)
                    .await?;
            }
            Pool::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query(FILL_SQLITE_PLAYERS)
                    .bind(run)
                    .bind(count)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(FILL_SQLITE_RATINGS)
                    .bind(run)
                    .bind(count)
                    .bind(season_id)
                    .bind(mode)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, Uuid>(SAMPLE).bind(run).bind(sample).fetch_all(pool).await?)
        })
    }
}
