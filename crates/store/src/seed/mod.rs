//! Demo data for a fresh installation: 50 players, 10 parties, 20 completed 5v5 matches with
//! participants and Weng-Lin rating changes, one active season, ratings, and the leaderboard.
//!
//! Deterministic (fixed ids and content, see `plan`), and idempotent: every row is inserted
//! with `ON CONFLICT DO NOTHING` on its fixed key, so a second run creates nothing and its
//! report says what was already there. `reset` first deletes the seeded rows (found by their
//! fixed ids; what cascades from them goes too) and seeds again. One transaction: a failed
//! seed leaves nothing half-made.

mod plan;

use std::fmt;

use crate::error::StoreError;
use crate::matches::INSERT_PARTICIPANT;
use crate::store::Store;
use crate::transaction::Transaction;
use plan::{MODE, Plan, SEASON_NAME};

/// The one documented password of every demo player (`demo_player_01` .. `demo_player_50`).
/// The caller hashes it (argon2) and passes the PHC string to [`seed`].
pub const DEMO_PASSWORD: &str = "rally-demo-password";

/// How many rows of one kind the seed made, and how many it found already there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Rows inserted by this run.
    pub created: usize,
    /// Rows of the seed found already present (left untouched).
    pub existing: usize,
}

impl Tally {
    fn count(&mut self, inserted: bool) {
        if inserted {
            self.created += 1;
        } else {
            self.existing += 1;
        }
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} created, {} already present",
            self.created, self.existing
        )
    }
}

/// What a [`seed`] run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Whether the previous seed was deleted first.
    pub reset: bool,
    /// Demo players (with credentials).
    pub players: Tally,
    /// Demo parties (with members).
    pub parties: Tally,
    /// Completed matches (with participants and rating changes).
    pub matches: Tally,
    /// Ratings of the demo players in the season, for the seed's mode.
    pub ratings: Tally,
    /// The season the seed's matches and ratings belong to.
    pub season: String,
    /// Whether this run started that season (otherwise it was already active).
    pub season_created: bool,
}

impl SeedReport {
    /// Whether this run inserted anything.
    pub fn created_anything(&self) -> bool {
        self.season_created
            || [self.players, self.parties, self.matches, self.ratings]
                .iter()
                .any(|t| t.created > 0)
    }
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.reset {
            writeln!(f, "reset: deleted the previous demo data first")?;
        }
        writeln!(
            f,
            "players: {} (demo_player_01 .. demo_player_{:02}, one demo password)",
            self.players,
            plan::PLAYERS
        )?;
        writeln!(f, "parties: {}", self.parties)?;
        writeln!(
            f,
            "matches: {} (completed {MODE} matches, rated)",
            self.matches
        )?;
        writeln!(f, "ratings: {} (mode {MODE})", self.ratings)?;
        let season_state = if self.season_created {
            "started"
        } else {
            "already active"
        };
        writeln!(f, "season: {:?} {season_state}", self.season)?;
        write!(f, "leaderboard: refreshed")
    }
}

const INSERT_PLAYER: &str = "INSERT INTO players \
     (id, username, email, display_name, region, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO NOTHING";
const INSERT_CREDENTIALS: &str = "INSERT INTO credentials (player_id, password_hash, updated_at) \
     VALUES ($1, $2, $3) ON CONFLICT (player_id) DO NOTHING";
const INSERT_SEASON: &str = "INSERT INTO seasons (id, name, state, started_at) \
     VALUES ($1, $2, 'active', $3) ON CONFLICT (id) DO NOTHING";
const INSERT_PARTY: &str = "INSERT INTO parties \
     (id, leader_id, max_size, member_count, open, state, created_at, updated_at) \
     VALUES ($1, $2, 5, $3, $4, 'active', $5, $5) ON CONFLICT (id) DO NOTHING";
const INSERT_MEMBER: &str = "INSERT INTO party_members (party_id, player_id, joined_at, ready) \
     VALUES ($1, $2, $3, $4)";
const INSERT_MATCH: &str = "INSERT INTO matches \
     (id, mode, region, season_id, state, quality, created_at, ended_at) \
     VALUES ($1, $2, $3, $4, 'completed', $5, $6, $7) ON CONFLICT (id) DO NOTHING";
const INSERT_RATING: &str = "INSERT INTO ratings \
     (player_id, season_id, mode, mean, uncertainty, games, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (player_id, season_id, mode) DO NOTHING";
const DELETE_MATCH: &str = "DELETE FROM matches WHERE id = $1";
const DELETE_PARTY: &str = "DELETE FROM parties WHERE id = $1";
const DELETE_PLAYER: &str = "DELETE FROM players WHERE id = $1";
/// The seed's season goes only when nothing else refers to it.
const DELETE_SEASON: &str = "DELETE FROM seasons WHERE id = $1 \
     AND NOT EXISTS (SELECT 1 FROM ratings WHERE season_id = $1) \
     AND NOT EXISTS (SELECT 1 FROM matches WHERE season_id = $1)";

/// Seeds the demo data (see the module doc); `demo_password_hash` is the PHC string of
/// [`DEMO_PASSWORD`]. With `reset`, deletes the previous seed first. Refreshes the leaderboard.
pub async fn seed(
    store: &Store,
    demo_password_hash: &str,
    reset: bool,
) -> Result<SeedReport, StoreError> {
    let plan = Plan::new();
    let mut tx = store.begin().await?;
    if reset {
        delete_seed(&mut tx, &plan).await?;
    }
    let mut report = SeedReport {
        reset,
        ..SeedReport::default()
    };
    let season_id = season(&mut tx, &plan, &mut report).await?;
    players(&mut tx, &plan, demo_password_hash, &mut report).await?;
    parties(&mut tx, &plan, &mut report).await?;
    matches(&mut tx, &plan, season_id, &mut report).await?;
    ratings(&mut tx, &plan, season_id, &mut report).await?;
    tx.commit().await?;
    store.refresh_leaderboard().await?;
    tracing::info!(
        players.created = report.players.created,
        matches.created = report.matches.created,
        reset,
        "demo data seeded"
    );
    Ok(report)
}

async fn delete_seed(tx: &mut Transaction, plan: &Plan) -> Result<(), StoreError> {
    let ids = plan.matches.iter().map(|m| (DELETE_MATCH, m.id));
    let ids = ids.chain(plan.parties.iter().map(|p| (DELETE_PARTY, p.id)));
    let ids = ids.chain(plan.players.iter().map(|p| (DELETE_PLAYER, p.id)));
    let ids = ids.chain(std::iter::once((DELETE_SEASON, plan.season_id)));
    for (sql, id) in ids {
        on_tx!(tx, conn => {
            sqlx::query(sql).bind(id).execute(&mut *conn).await?;
        });
    }
    Ok(())
}

/// The active season, or the seed's own when none is active.
async fn season(
    tx: &mut Transaction,
    plan: &Plan,
    report: &mut SeedReport,
) -> Result<uuid::Uuid, StoreError> {
    if let Some(active) = tx.active_season().await? {
        report.season = active.name;
        return Ok(active.id);
    }
    let inserted = on_tx!(tx, conn => {
        sqlx::query(INSERT_SEASON)
            .bind(plan.season_id)
            .bind(SEASON_NAME)
            .bind(plan.season_started_at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    report.season = SEASON_NAME.to_owned();
    report.season_created = inserted == 1;
    Ok(plan.season_id)
}

async fn players(
    tx: &mut Transaction,
    plan: &Plan,
    hash: &str,
    report: &mut SeedReport,
) -> Result<(), StoreError> {
    let now = tx.now();
    for p in &plan.players {
        let inserted = on_tx!(tx, conn => {
            let inserted = sqlx::query(INSERT_PLAYER)
                .bind(p.id)
                .bind(&p.username)
                .bind(&p.email)
                .bind(&p.display_name)
                .bind(p.region)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected()
                == 1;
            if inserted {
                sqlx::query(INSERT_CREDENTIALS)
                    .bind(p.id)
                    .bind(hash)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
            }
            inserted
        });
        report.players.count(inserted);
    }
    Ok(())
}

async fn parties(
    tx: &mut Transaction,
    plan: &Plan,
    report: &mut SeedReport,
) -> Result<(), StoreError> {
    let now = tx.now();
    for party in &plan.parties {
        let size = i32::try_from(party.members.len()).expect("BUG: seed parties are small");
        let inserted = on_tx!(tx, conn => {
            let inserted = sqlx::query(INSERT_PARTY)
                .bind(party.id)
                .bind(party.leader_id)
                .bind(size)
                .bind(party.open)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected()
                == 1;
            if inserted {
                // Join times one millisecond apart keep "longest-standing member" defined.
                for (order, member) in (0_i64..).zip(&party.members) {
                    sqlx::query(INSERT_MEMBER)
                        .bind(party.id)
                        .bind(*member)
                        .bind(now.plus(time::Duration::milliseconds(order)))
                        .bind(false)
                        .execute(&mut *conn)
                        .await?;
                }
            }
            inserted
        });
        report.parties.count(inserted);
    }
    Ok(())
}

async fn matches(
    tx: &mut Transaction,
    plan: &Plan,
    season_id: uuid::Uuid,
    report: &mut SeedReport,
) -> Result<(), StoreError> {
    for m in &plan.matches {
        let inserted = on_tx!(tx, conn => {
            let inserted = sqlx::query(INSERT_MATCH)
                .bind(m.id)
                .bind(MODE)
                .bind(m.region)
                .bind(season_id)
                .bind(&m.quality)
                .bind(m.created_at)
                .bind(m.ended_at)
                .execute(&mut *conn)
                .await?
                .rows_affected()
                == 1;
            if inserted {
                for p in &m.participants {
                    sqlx::query(INSERT_PARTICIPANT)
                        .bind(m.id)
                        .bind(p.player_id)
                        .bind(p.team)
                        .bind(None::<uuid::Uuid>)
                        .bind(m.created_at)
                        .bind(p.before.rating)
                        .bind(p.before.uncertainty)
                        .bind(Some(p.after.rating))
                        .bind(Some(p.after.uncertainty))
                        .bind(Some(p.outcome))
                        .execute(&mut *conn)
                        .await?;
                }
            }
            inserted
        });
        report.matches.count(inserted);
    }
    Ok(())
}

async fn ratings(
    tx: &mut Transaction,
    plan: &Plan,
    season_id: uuid::Uuid,
    report: &mut SeedReport,
) -> Result<(), StoreError> {
    let now = tx.now();
    for r in &plan.ratings {
        let inserted = on_tx!(tx, conn => {
            sqlx::query(INSERT_RATING)
                .bind(r.player_id)
                .bind(season_id)
                .bind(MODE)
                .bind(r.rating.rating)
                .bind(r.rating.uncertainty)
                .bind(r.games)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected()
                == 1
        });
        report.ratings.count(inserted);
    }
    Ok(())
}
