//! Where a match's time goes between being made and its `session.ready` leaving the node, read
//! from PostgreSQL's own timestamps after a `rally bench loop` run: the match's row, its
//! `match.created` written and published (outbox), its session opened, and its `session.ready`
//! written and published. Every stamp comes from the node's clock, so the stages add up to the
//! path a player waits on (the pushes to the sockets excepted). An event's publication is
//! stamped when the relay records it, after the stream acknowledged it: a consumer quick
//! enough acts before that, and its stage is then a little below zero.

use std::time::{Duration, SystemTime};

use sqlx::{Connection, PgConnection};

/// One stage's median and 99th percentile over the matches of a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Stage {
    /// What the stage ends with.
    pub name: String,
    /// Matches measured.
    pub count: i64,
    /// Median, milliseconds.
    pub p50_ms: f64,
    /// 99th percentile, milliseconds.
    pub p99_ms: f64,
}

/// Each stage's time for the matches made from `since` whose `session.ready` was published,
/// in the order a match goes through them.
const STAGES: &str = "WITH m AS ( \
     SELECT m.created_at AS made, mc.created_at AS created_written, \
     mc.published_at AS created_published, s.created_at AS opened, \
     sr.created_at AS ready_written, sr.published_at AS ready_published \
     FROM matches m \
     JOIN game_sessions s ON s.match_id = m.id \
     JOIN outbox mc ON mc.topic = 'match.created' AND mc.key = m.id::text \
     JOIN outbox sr ON sr.topic = 'session.ready' AND sr.key = m.id::text \
     WHERE m.created_at >= to_timestamp($1) AND sr.published_at IS NOT NULL), \
     d AS ( \
     SELECT 1 AS n, 'round written' AS stage, created_written - made AS took FROM m \
     UNION ALL SELECT 2, 'match.created published', created_published - created_written FROM m \
     UNION ALL SELECT 3, 'session opened', opened - created_published FROM m \
     UNION ALL SELECT 4, 'session.ready written', ready_written - opened FROM m \
     UNION ALL SELECT 5, 'session.ready published', ready_published - ready_written FROM m) \
     SELECT stage, count(*), \
     percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM took) * 1000), \
     percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM took) * 1000) \
     FROM d GROUP BY n, stage ORDER BY n";

/// The stages of the matches made on `database_url` from `since` (the end of a warm-up).
pub async fn stages(database_url: &str, since: SystemTime) -> anyhow::Result<Vec<Stage>> {
    let since = since
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64();
    let mut db = PgConnection::connect(database_url).await?;
    let rows: Vec<(String, i64, f64, f64)> = sqlx::query_as(STAGES)
        .bind(since)
        .fetch_all(&mut db)
        .await?;
    db.close().await?;
    Ok(rows
        .into_iter()
        .map(|(name, count, p50_ms, p99_ms)| Stage {
            name,
            count,
            p50_ms,
            p99_ms,
        })
        .collect())
}
