//! The simulator's report: what the issue asks to be measured, as JSON and as a table.

use std::fmt::Write as _;

use serde::Serialize;

/// Mean and percentiles of a sample.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Spread {
    /// Arithmetic mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
}

/// The nearest-rank percentile of an ascending sample (0 for an empty one).
#[must_use]
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl Spread {
    /// Summarises a sample (sorted in place).
    pub fn of(sample: &mut [f64]) -> Self {
        sample.sort_by(f64::total_cmp);
        let mean = if sample.is_empty() {
            0.0
        } else {
            sample.iter().sum::<f64>() / sample.len() as f64
        };
        Self {
            mean,
            p50: percentile(sample, 50.0),
            p95: percentile(sample, 95.0),
            p99: percentile(sample, 99.0),
        }
    }
}

/// Match quality over all matches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct QualitySummary {
    /// Mean total quality.
    pub mean: f64,
    /// 10th percentile of total quality.
    pub p10: f64,
    /// Mean of the fairness component.
    pub fairness_mean: f64,
    /// Mean of the rating spread component.
    pub spread_mean: f64,
    /// Mean of the latency component.
    pub latency_mean: f64,
    /// Mean of the role component.
    pub roles_mean: f64,
    /// Mean of the party balance component.
    pub parties_mean: f64,
}

/// Latency of matched players to their match's region.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Mean.
    pub mean: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// A value at a point of simulated time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrendPoint {
    /// Simulated seconds.
    pub at_s: u64,
    /// The value then.
    pub value: f64,
}

/// What was simulated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// Seed.
    pub seed: u64,
    /// Players.
    pub players: usize,
    /// Regions.
    pub regions: usize,
    /// Simulated seconds.
    pub duration_s: u64,
    /// Queue shape.
    pub mode: String,
    /// Whether teams needed roles.
    pub roles: bool,
    /// The weight of quality's `parties` part.
    pub party_weight: f64,
    /// The wait widening was tuned toward, if it was.
    pub target_wait_s: Option<u64>,
    /// Chance a player blocks one of a game's other players after it.
    pub block_rate: f64,
}

/// The simulator's findings. The keys the issue names are all at the top level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// What ran.
    pub scenario: Scenario,
    /// Seconds from enqueue to match, over matched tickets.
    pub time_to_match_s: Spread,
    /// Match quality.
    pub quality: QualitySummary,
    /// Share of matches where every team's predicted win probability is within 0.45..=0.55.
    pub fair_share: f64,
    /// Latency of matched players.
    pub latency_ms: LatencySummary,
    /// Tickets that reached their maximum wait.
    pub timed_out: u64,
    /// Broken invariants found by the audit of every match.
    pub violations: u64,
    /// Blocks players made (each keeps two players out of one match from then on).
    pub blocks: u64,
    /// Spearman rank correlation of final rating and hidden skill, over players who played.
    pub rank_correlation: f64,
    /// The same correlation at each quarter of the run: it should rise as ratings converge.
    pub rank_correlation_trend: Vec<TrendPoint>,
    /// Matches made per second of CPU spent inside the engine (enqueue and tick).
    pub matches_per_cpu_s: f64,
    /// Matches made.
    pub matches: u64,
    /// Players placed in matches.
    pub players_matched: u64,
    /// Party tickets (two or more players) matched.
    pub parties_matched: u64,
    /// Matches with a full premade: a team that is one party.
    pub full_premade_matches: u64,
    /// Of those, the ones where another team was all solo players.
    pub full_premade_meets_solo: u64,
    /// Tickets enqueued.
    pub tickets_enqueued: u64,
    /// Tickets still queued at the end (not in `time_to_match_s`).
    pub queued_at_end: u64,
    /// Mean games per player.
    pub games_per_player: f64,
    /// Seconds spent inside the engine.
    pub engine_cpu_s: f64,
    /// Wall-clock seconds of the whole simulation.
    pub wall_s: f64,
}

impl Report {
    /// The report as pretty JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("BUG: the report serialises")
    }

    /// The report as an aligned text table, with the targets beside each figure.
    #[must_use]
    pub fn to_table(&self) -> String {
        let s = &self.scenario;
        let rows: Vec<(String, String, &str)> = vec![
            (
                "scenario".into(),
                format!(
                    "{} players, {} regions, {} s, {}{}, {}, seed {}",
                    s.players,
                    s.regions,
                    s.duration_s,
                    s.mode,
                    if s.roles { " with roles" } else { "" },
                    s.target_wait_s.map_or_else(
                        || "fixed widening".to_owned(),
                        |t| format!("widening tuned to {t} s")
                    ),
                    s.seed
                ),
                "",
            ),
            (
                "time to match mean (s)".into(),
                format!("{:.1}", self.time_to_match_s.mean),
                "< 30",
            ),
            (
                "time to match p50 (s)".into(),
                format!("{:.1}", self.time_to_match_s.p50),
                "",
            ),
            (
                "time to match p95 (s)".into(),
                format!("{:.1}", self.time_to_match_s.p95),
                "< 90",
            ),
            (
                "time to match p99 (s)".into(),
                format!("{:.1}", self.time_to_match_s.p99),
                "",
            ),
            (
                "quality mean".into(),
                format!("{:.3}", self.quality.mean),
                ">= 0.85",
            ),
            ("quality p10".into(), format!("{:.3}", self.quality.p10), ""),
            (
                "fair share (0.45..0.55)".into(),
                format!("{:.3}", self.fair_share),
                ">= 0.90",
            ),
            (
                "latency p95 (ms)".into(),
                format!("{:.0}", self.latency_ms.p95),
                "<= 80",
            ),
            ("timed out".into(), self.timed_out.to_string(), ""),
            ("violations".into(), self.violations.to_string(), "0"),
            (
                "blocks made".into(),
                format!("{} (rate {})", self.blocks, s.block_rate),
                "",
            ),
            (
                "rank correlation".into(),
                format!("{:.3}", self.rank_correlation),
                "rising",
            ),
            (
                "  by quarter".into(),
                self.rank_correlation_trend
                    .iter()
                    .map(|t| format!("{}s: {:.3}", t.at_s, t.value))
                    .collect::<Vec<_>>()
                    .join(", "),
                "",
            ),
            (
                "matches per CPU second".into(),
                format!("{:.0}", self.matches_per_cpu_s),
                "",
            ),
            ("matches".into(), self.matches.to_string(), ""),
            (
                "parties matched".into(),
                self.parties_matched.to_string(),
                "",
            ),
            (
                "full premades / meeting solos".into(),
                format!(
                    "{} / {} ({:.1} %)",
                    self.full_premade_matches,
                    self.full_premade_meets_solo,
                    100.0 * self.full_premade_meets_solo as f64
                        / self.full_premade_matches.max(1) as f64
                ),
                "",
            ),
            (
                "games per player".into(),
                format!("{:.2}", self.games_per_player),
                "",
            ),
            ("queued at end".into(), self.queued_at_end.to_string(), ""),
            (
                "engine CPU (s) / wall (s)".into(),
                format!("{:.2} / {:.2}", self.engine_cpu_s, self.wall_s),
                "",
            ),
        ];
        let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        let mut out = String::new();
        for (name, value, target) in rows {
            let target = if target.is_empty() {
                String::new()
            } else {
                format!("  (target {target})")
            };
            let _ = writeln!(out, "{name:<width$}  {value}{target}");
        }
        out
    }
}

/// Spearman's rank correlation of two equally long samples (0 when undefined).
#[must_use]
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    fn ranks(x: &[f64]) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..x.len()).collect();
        idx.sort_by(|&i, &j| x[i].total_cmp(&x[j]));
        let mut r = vec![0.0; x.len()];
        let mut i = 0;
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
                j += 1;
            }
            let avg = (i + j) as f64 / 2.0;
            for k in i..=j {
                r[idx[k]] = avg;
            }
            i = j + 1;
        }
        r
    }
    if a.len() != b.len() || a.len() < 2 {
        return 0.0;
    }
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    if va == 0.0 || vb == 0.0 {
        0.0
    } else {
        cov / (va * vb).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut xs: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = Spread::of(&mut xs);
        assert_eq!((s.p50, s.p95, s.p99), (50.0, 95.0, 99.0));
    }

    #[test]
    fn spearman_is_one_for_the_same_order_and_minus_one_for_the_reverse() {
        let a = [1.0, 2.0, 3.0, 4.0];
        assert!((spearman(&a, &[10.0, 20.0, 30.0, 40.0]) - 1.0).abs() < 1e-12);
        assert!((spearman(&a, &[4.0, 3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
    }
}
