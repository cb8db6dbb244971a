//! The seed's content, computed without the database: fixed ids, players, parties, and twenty
//! 5v5 matches rated in order with Weng-Lin (the `skillratings` crate), so every run (and both
//! databases) gets exactly the same data.

use std::collections::HashMap;

use skillratings::Outcomes;
use skillratings::weng_lin::{
    WengLinConfig, WengLinRating, expected_score_two_teams, weng_lin_two_teams,
};
use uuid::Uuid;

use crate::matches::Outcome;
use crate::timestamp::Timestamp;

/// How many players, parties and matches the seed makes.
pub(crate) const PLAYERS: usize = 50;
pub(crate) const PARTIES: usize = 10;
pub(crate) const MATCHES: usize = 20;
const TEAM_SIZE: usize = 5;
/// The mode the seed's matches and ratings are for (5v5, rated with Weng-Lin).
pub(crate) const MODE: &str = "squad";
/// The name of the season the seed starts when none is active.
pub(crate) const SEASON_NAME: &str = "Season 1";
/// 2026-01-01T00:00:00Z: seed ids carry it as their v7 time, seed matches start from it.
const EPOCH_MILLIS: u64 = 1_767_225_600_000;

#[derive(Clone, Copy)]
enum Kind {
    Player = 1,
    Party = 2,
    Match = 3,
    Season = 4,
}

/// A fixed, recognizable uuid v7: the seed epoch as its time, then `5eed`, the kind and index.
fn seed_id(kind: Kind, index: usize) -> Uuid {
    let index = u16::try_from(index).expect("BUG: seed indexes are small");
    let [hi, lo] = index.to_be_bytes();
    let bytes = [0x5e, 0xed, kind as u8, hi, lo, 0, 0, 0, 0, 0];
    uuid::Builder::from_unix_timestamp_millis(EPOCH_MILLIS, &bytes).into_uuid()
}

pub(crate) struct SeedPlayer {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub region: &'static str,
}

pub(crate) struct SeedParty {
    pub id: Uuid,
    pub leader_id: Uuid,
    pub members: Vec<Uuid>,
    pub open: bool,
}

pub(crate) struct SeedParticipant {
    pub player_id: Uuid,
    pub team: i32,
    pub before: WengLinRating,
    pub after: WengLinRating,
    pub outcome: Outcome,
}

pub(crate) struct SeedMatch {
    pub id: Uuid,
    pub region: &'static str,
    pub created_at: Timestamp,
    pub ended_at: Timestamp,
    pub quality: serde_json::Value,
    pub participants: Vec<SeedParticipant>,
}

pub(crate) struct SeedRating {
    pub player_id: Uuid,
    pub rating: WengLinRating,
    pub games: i32,
}

/// Everything the seed writes.
pub(crate) struct Plan {
    pub season_id: Uuid,
    pub season_started_at: Timestamp,
    pub players: Vec<SeedPlayer>,
    pub parties: Vec<SeedParty>,
    pub matches: Vec<SeedMatch>,
    pub ratings: Vec<SeedRating>,
}

impl Plan {
    pub(crate) fn new() -> Plan {
        let players: Vec<SeedPlayer> = (0..PLAYERS).map(player).collect();
        let parties = (0..PARTIES).map(|p| party(p, &players)).collect();
        let (matches, ratings) = matches(&players);
        Plan {
            season_id: seed_id(Kind::Season, 0),
            season_started_at: epoch(0),
            players,
            parties,
            matches,
            ratings,
        }
    }
}

fn epoch(offset_millis: i64) -> Timestamp {
    let epoch = i64::try_from(EPOCH_MILLIS).expect("BUG: the seed epoch fits in i64");
    Timestamp::from_unix_millis(epoch + offset_millis)
}

fn player(i: usize) -> SeedPlayer {
    let n = i + 1;
    SeedPlayer {
        id: seed_id(Kind::Player, i),
        username: format!("demo_player_{n:02}"),
        email: format!("demo_player_{n:02}@example.com"),
        display_name: format!("Demo Player {n:02}"),
        region: if i.is_multiple_of(2) { "eu" } else { "na" },
    }
}

/// Party `p` holds players `5p ..`, two to five of them; the first leads.
fn party(p: usize, players: &[SeedPlayer]) -> SeedParty {
    let size = 2 + p % 4;
    let members: Vec<Uuid> = players[p * 5..p * 5 + size]
        .iter()
        .map(|pl| pl.id)
        .collect();
    SeedParty {
        id: seed_id(Kind::Party, p),
        leader_id: members[0],
        members,
        open: p.is_multiple_of(2),
    }
}

/// Match `m` takes players `7m + 5k (mod 50)` for k in 0..10, even k on team 0: distinct
/// players, and every player plays exactly four matches. Ratings start at the Weng-Lin default
/// and change match by match.
fn matches(players: &[SeedPlayer]) -> (Vec<SeedMatch>, Vec<SeedRating>) {
    let config = WengLinConfig::new();
    let mut current: HashMap<Uuid, (WengLinRating, i32)> = players
        .iter()
        .map(|p| (p.id, (WengLinRating::new(), 0)))
        .collect();
    let mut out = Vec::with_capacity(MATCHES);
    for m in 0..MATCHES {
        let picked: Vec<Uuid> = (0..2 * TEAM_SIZE)
            .map(|k| players[(7 * m + 5 * k) % PLAYERS].id)
            .collect();
        let team = |t: usize| -> Vec<Uuid> {
            picked
                .iter()
                .enumerate()
                .filter(|(k, _)| k % 2 == t)
                .map(|(_, id)| *id)
                .collect()
        };
        let (ids_one, ids_two) = (team(0), team(1));
        let rating_of = |id: &Uuid| current[id].0;
        let one: Vec<WengLinRating> = ids_one.iter().map(rating_of).collect();
        let two: Vec<WengLinRating> = ids_two.iter().map(rating_of).collect();
        let (win_probability, _) = expected_score_two_teams(&one, &two, &config);
        let team_one_wins = (m * 3) % 5 < 3;
        let outcome = if team_one_wins {
            Outcomes::WIN
        } else {
            Outcomes::LOSS
        };
        let (new_one, new_two) = weng_lin_two_teams(&one, &two, &outcome, &config);

        let mut participants = Vec::with_capacity(2 * TEAM_SIZE);
        let sides = [
            (0, &ids_one, &one, &new_one, team_one_wins),
            (1, &ids_two, &two, &new_two, !team_one_wins),
        ];
        for (team_index, ids, before, after, won) in sides {
            for ((id, before), after) in ids.iter().zip(before).zip(after) {
                participants.push(SeedParticipant {
                    player_id: *id,
                    team: team_index,
                    before: *before,
                    after: *after,
                    outcome: if won { Outcome::Win } else { Outcome::Loss },
                });
                let entry = current
                    .get_mut(id)
                    .expect("BUG: every seed player has a rating");
                *entry = (*after, entry.1 + 1);
            }
        }
        let hour = 3_600_000 * i64::try_from(m).expect("BUG: few matches");
        out.push(SeedMatch {
            id: seed_id(Kind::Match, m),
            region: if m.is_multiple_of(2) { "eu" } else { "na" },
            created_at: epoch(hour),
            ended_at: epoch(hour + 1_800_000),
            quality: serde_json::json!({ "team0_win_probability": win_probability }),
            participants,
        });
    }
    let ratings = players
        .iter()
        .map(|p| {
            let (rating, games) = current[&p.id];
            SeedRating {
                player_id: p.id,
                rating,
                games,
            }
        })
        .collect();
    (out, ratings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_player_plays_four_distinct_seat_matches_and_ratings_move() {
        let plan = Plan::new();
        assert_eq!(plan.matches.len(), MATCHES);
        for m in &plan.matches {
            let mut ids: Vec<_> = m.participants.iter().map(|p| p.player_id).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), 2 * TEAM_SIZE);
        }
        assert!(plan.ratings.iter().all(|r| r.games == 4));
        assert!(
            plan.ratings
                .iter()
                .all(|r| r.rating.uncertainty < WengLinRating::new().uncertainty)
        );
        let winners = plan.matches[0]
            .participants
            .iter()
            .filter(|p| p.outcome == Outcome::Win);
        assert!(winners.clone().all(|p| p.after.rating > p.before.rating));
        assert_eq!(winners.count(), TEAM_SIZE);
    }

    #[test]
    fn the_plan_is_the_same_every_time() {
        let (a, b) = (Plan::new(), Plan::new());
        assert_eq!(a.players[49].id, b.players[49].id);
        assert_eq!(a.players[0].username, "demo_player_01");
        let last = |p: &Plan| p.ratings.iter().map(|r| r.rating.rating).sum::<f64>();
        assert_eq!(last(&a), last(&b));
    }

    #[test]
    fn a_player_is_in_at_most_one_seed_party() {
        let plan = Plan::new();
        let mut all: Vec<_> = plan
            .parties
            .iter()
            .flat_map(|p| p.members.clone())
            .collect();
        let count = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), count);
        assert!(
            plan.parties
                .iter()
                .all(|p| (2..=5).contains(&p.members.len()))
        );
    }
}
