//! What a chaos run must not have broken, read from the database after the run (never from
//! logs): no ticket lost or matched twice, no match left without a session, no accepted
//! result lost or applied twice, no session ended wrongly.

use std::collections::HashSet;

use sqlx::{Connection, PgConnection};
use uuid::Uuid;

/// The database's findings after a run; every count should be 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Damage {
    /// Tickets still searching after every player left the queue: accepted, never matched and
    /// never cancelled.
    pub tickets_lost: i64,
    /// Players in a live match other than the one their ticket was matched into (a ticket
    /// matched twice, by two matchmakers for instance).
    pub tickets_matched_twice: i64,
    /// Matches made and never given a session (neither allocated nor failed): a
    /// `match.created` the sessions role never handled.
    pub matches_never_allocated: i64,
    /// Results the game server had accepted whose match was never rated.
    pub results_lost: i64,
    /// Players whose games in a mode (over every season) differ from their rated matches in
    /// it (a result applied twice, or a rating written without its match).
    pub results_applied_twice: i64,
    /// Matches whose result was accepted but whose session did not end `completed`.
    pub sessions_ended_wrongly: i64,
}

impl Damage {
    /// Whether nothing was broken.
    pub fn is_none(&self) -> bool {
        *self == Damage::default()
    }
}

/// Reads the damage from the database at `url`; `results_accepted` are the matches whose result
/// the game servers saw accepted.
pub async fn damage(url: &str, results_accepted: &HashSet<Uuid>) -> anyhow::Result<Damage> {
    let mut db = PgConnection::connect(url).await?;
    let accepted: Vec<Uuid> = results_accepted.iter().copied().collect();
    let tickets_lost =
        sqlx::query_scalar("SELECT count(*) FROM queue_tickets WHERE state = 'searching'")
            .fetch_one(&mut db)
            .await?;
    let tickets_matched_twice = sqlx::query_scalar(
        "SELECT count(*) FROM match_participants mp
         JOIN matches m ON m.id = mp.match_id
         WHERE m.state NOT IN ('cancelled', 'failed')
           AND NOT EXISTS (
               SELECT 1 FROM queue_tickets t
               JOIN ticket_members tm ON tm.ticket_id = t.id
               WHERE t.match_id = mp.match_id AND tm.player_id = mp.player_id)",
    )
    .fetch_one(&mut db)
    .await?;
    let matches_never_allocated = sqlx::query_scalar(
        "SELECT count(*) FROM matches m
         WHERE m.state NOT IN ('cancelled', 'failed')
           AND NOT EXISTS (SELECT 1 FROM game_sessions s WHERE s.match_id = m.id)",
    )
    .fetch_one(&mut db)
    .await?;
    let results_lost = sqlx::query_scalar(
        "SELECT count(*) FROM unnest($1::uuid[]) AS a(id)
         LEFT JOIN matches m ON m.id = a.id
         WHERE m.rated_at IS NULL",
    )
    .bind(&accepted)
    .fetch_one(&mut db)
    .await?;
    let results_applied_twice = sqlx::query_scalar(
        // By player and mode over every season: a match made before the first season
        // started is rated into it.
        "SELECT count(*) FROM (
             SELECT player_id, mode, sum(games) AS games FROM ratings GROUP BY player_id, mode
         ) r
         WHERE r.games <> (
             SELECT count(*) FROM match_participants mp
             JOIN matches m ON m.id = mp.match_id
             WHERE mp.player_id = r.player_id AND m.mode = r.mode AND m.rated_at IS NOT NULL)",
    )
    .fetch_one(&mut db)
    .await?;
    let sessions_ended_wrongly = sqlx::query_scalar(
        "SELECT count(*) FROM unnest($1::uuid[]) AS a(id)
         LEFT JOIN game_sessions s ON s.match_id = a.id
         WHERE s.end_reason IS DISTINCT FROM 'completed'",
    )
    .bind(&accepted)
    .fetch_one(&mut db)
    .await?;
    db.close().await?;
    Ok(Damage {
        tickets_lost,
        tickets_matched_twice,
        matches_never_allocated,
        results_lost,
        results_applied_twice,
        sessions_ended_wrongly,
    })
}
