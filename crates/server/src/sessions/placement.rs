//! Placements: the finishing place of each team of a result, checked against the teams and the
//! outcomes, so a free-for-all or a battle royale is rated by where each team finished.
//!
//! A result gives places per team (a team's line) or per player (a player's line: in a
//! free-for-all each team is one player). Places start at 1 and equal places tie. Two
//! conventions are read, and nothing else: dense (1, 1, 2) and standard competition ranking
//! (1, 1, 3). A result of two teams may give outcomes alone; a result that gives any place, and
//! one of more than two teams, must give every team its place. Outcomes must agree with places:
//! a `win` is placed first, a `loss` is not, a `draw` shares its place with another team, and a
//! `win` and a `draw` never share one (`left` is rated as configured, wherever placed).

use std::collections::BTreeMap;

use rally_protocol::session::ResultReport;
use rally_store::{Outcome, Participant};

/// Why a result's places cannot be read (each its own problem code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlacementError {
    /// A match of more than two teams without places, or a team left without one
    /// (`placements_required`).
    #[error("{0}")]
    Required(String),
    /// A place no ranking of the teams gives: 0, past the number of teams, or one that skips a
    /// place (`placement_gap`).
    #[error("{0}")]
    Gap(String),
    /// Places that disagree with each other or with the outcomes (`placement_contradiction`).
    #[error("{0}")]
    Contradiction(String),
}

impl PlacementError {
    /// The problem's code.
    pub fn code(&self) -> &'static str {
        match self {
            PlacementError::Required(_) => "placements_required",
            PlacementError::Gap(_) => "placement_gap",
            PlacementError::Contradiction(_) => "placement_contradiction",
        }
    }
}

/// Each participant's place (in `participants`' order), or `None` for every one when a two-team
/// result gives outcomes alone. `outcomes` are the participants' outcomes, in the same order.
pub fn places(
    participants: &[Participant],
    report: &ResultReport,
    outcomes: &[Outcome],
) -> Result<Vec<Option<u32>>, PlacementError> {
    let mut teams: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
    for (i, p) in participants.iter().enumerate() {
        teams.entry(p.team).or_default().push(i);
    }
    let given = report.outcomes.iter().any(|line| line.placement.is_some());
    if !given {
        if teams.len() > 2 {
            return Err(PlacementError::Required(format!(
                "a match of {} teams is rated by placement: give each team its place",
                teams.len()
            )));
        }
        return Ok(vec![None; participants.len()]);
    }
    let mut team_places: BTreeMap<i32, u32> = BTreeMap::new();
    for (&team, members) in &teams {
        let place = team_place(team, members, participants, report)?
            .ok_or_else(|| PlacementError::Required(format!("team {team} has no place")))?;
        team_places.insert(team, place);
    }
    check_ranking(&team_places.values().copied().collect::<Vec<_>>())?;
    for (i, participant) in participants.iter().enumerate() {
        let place = team_places[&participant.team];
        if outcomes[i] == Outcome::Draw {
            let beside_a_win = participants.iter().zip(outcomes).any(|(other, outcome)| {
                *outcome == Outcome::Win && team_places[&other.team] == place
            });
            if beside_a_win {
                return Err(PlacementError::Contradiction(format!(
                    "a win and a draw share place {place}"
                )));
            }
        }
        let shared = team_places
            .iter()
            .any(|(&team, &other)| team != participant.team && other == place);
        let disagrees = match outcomes[i] {
            Outcome::Win => place != 1,
            Outcome::Loss => place == 1,
            Outcome::Draw => !shared,
            Outcome::Left => false,
        };
        if disagrees {
            return Err(PlacementError::Contradiction(format!(
                "player {} has a {} placed {place}{}",
                participant.player_id,
                outcomes[i].as_str(),
                if shared { "" } else { " alone" }
            )));
        }
    }
    Ok(participants
        .iter()
        .map(|p| Some(team_places[&p.team]))
        .collect())
}

/// The place of `team`: its line's, or the one its players' lines agree on.
fn team_place(
    team: i32,
    members: &[usize],
    participants: &[Participant],
    report: &ResultReport,
) -> Result<Option<u32>, PlacementError> {
    let team_line = report
        .outcomes
        .iter()
        .find(|line| line.team.is_some() && line.team == u32::try_from(team).ok())
        .and_then(|line| line.placement);
    let mut place = team_line;
    for &i in members {
        let player = participants[i].player_id;
        let Some(own) = report
            .outcomes
            .iter()
            .find(|line| line.player_id == Some(player))
            .and_then(|line| line.placement)
        else {
            continue;
        };
        match place {
            Some(known) if known != own => {
                return Err(PlacementError::Contradiction(format!(
                    "team {team} is placed {known} and its player {player} {own}"
                )));
            }
            _ => place = Some(own),
        }
    }
    Ok(place)
}

/// Refuses places that are neither a dense nor a standard competition ranking.
fn check_ranking(places: &[u32]) -> Result<(), PlacementError> {
    let teams = places.len();
    let mut sorted = places.to_vec();
    sorted.sort_unstable();
    if let Some(&zero) = sorted.first()
        && zero == 0
    {
        return Err(PlacementError::Gap("places start at 1".to_owned()));
    }
    if let Some(&last) = sorted.last()
        && usize::try_from(last).map_or(true, |last| last > teams)
    {
        return Err(PlacementError::Gap(format!(
            "place {last} in a match of {teams} teams"
        )));
    }
    let mut distinct = sorted.clone();
    distinct.dedup();
    let dense = distinct
        .iter()
        .enumerate()
        .all(|(i, &place)| usize::try_from(place).is_ok_and(|p| p == i + 1));
    let competition = sorted.iter().all(|&place| {
        let better = sorted.iter().filter(|&&other| other < place).count();
        usize::try_from(place).is_ok_and(|p| p == better + 1)
    });
    if dense || competition {
        Ok(())
    } else {
        Err(PlacementError::Gap(format!(
            "places {sorted:?} skip a place: give 1, 2, 3... with ties sharing a place"
        )))
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use rally_protocol::session::{Outcome as Wire, ResultLine};
    use rally_store::Timestamp;
    use uuid::Uuid;

    use super::*;

    fn participants(teams: &[i32]) -> Vec<Participant> {
        teams
            .iter()
            .enumerate()
            .map(|(i, &team)| Participant {
                match_id: Uuid::nil(),
                player_id: Uuid::from_u128(i as u128 + 1),
                team,
                party_id: None,
                played_at: Timestamp::from_unix_millis(0),
                rating_mean_before: 25.0,
                rating_uncertainty_before: 8.0,
                rating_mean_after: None,
                rating_uncertainty_after: None,
                rating_volatility_before: None,
                rating_volatility_after: None,
                outcome: None,
                placement: None,
            })
            .collect()
    }

    fn team_line(team: u32, outcome: Wire, placement: Option<u32>) -> ResultLine {
        ResultLine {
            team: Some(team),
            player_id: None,
            outcome,
            placement,
        }
    }

    fn player_line(player: u128, outcome: Wire, placement: Option<u32>) -> ResultLine {
        ResultLine {
            team: None,
            player_id: Some(Uuid::from_u128(player)),
            outcome,
            placement,
        }
    }

    fn report(lines: Vec<ResultLine>) -> ResultReport {
        ResultReport {
            outcomes: lines,
            duration_s: 60.0,
            stats: None,
        }
    }

    fn stored(lines: &[ResultLine], participants: &[Participant]) -> Vec<Outcome> {
        participants
            .iter()
            .map(|p| {
                let line = lines
                    .iter()
                    .find(|l| l.player_id == Some(p.player_id))
                    .or_else(|| lines.iter().find(|l| l.team == u32::try_from(p.team).ok()))
                    .expect("every participant has a line");
                match line.outcome {
                    Wire::Win => Outcome::Win,
                    Wire::Loss => Outcome::Loss,
                    Wire::Draw => Outcome::Draw,
                    Wire::Left => Outcome::Left,
                }
            })
            .collect()
    }

    fn placed(teams: &[i32], lines: Vec<ResultLine>) -> Result<Vec<Option<u32>>, PlacementError> {
        let participants = participants(teams);
        let outcomes = stored(&lines, &participants);
        places(&participants, &report(lines), &outcomes)
    }

    #[test]
    fn a_free_for_all_is_placed_by_its_players_lines() {
        let lines = vec![
            player_line(1, Wire::Loss, Some(2)),
            player_line(2, Wire::Win, Some(1)),
            player_line(3, Wire::Loss, Some(3)),
        ];
        assert_eq!(
            placed(&[0, 1, 2], lines),
            Ok(vec![Some(2), Some(1), Some(3)])
        );
    }

    #[test]
    fn ties_share_a_place_in_either_convention() {
        for places in [[1, 1, 2, 3], [1, 1, 3, 4], [1, 2, 2, 3], [1, 2, 2, 4]] {
            let lines = places
                .iter()
                .enumerate()
                .map(|(team, &place)| {
                    let shared = places.iter().filter(|&&p| p == place).count() > 1;
                    let outcome = match (place, shared) {
                        (1, false) => Wire::Win,
                        (_, true) => Wire::Draw,
                        _ => Wire::Loss,
                    };
                    team_line(team as u32, outcome, Some(place))
                })
                .collect();
            assert!(placed(&[0, 1, 2, 3], lines).is_ok(), "{places:?}");
        }
    }

    #[test]
    fn a_team_is_placed_by_its_line_and_its_players_agree() {
        let lines = vec![
            team_line(0, Wire::Loss, Some(2)),
            team_line(1, Wire::Win, Some(1)),
            player_line(2, Wire::Left, Some(2)),
        ];
        assert_eq!(
            placed(&[0, 0, 1, 1], lines),
            Ok(vec![Some(2), Some(2), Some(1), Some(1)])
        );
        let split = vec![
            team_line(0, Wire::Loss, Some(2)),
            team_line(1, Wire::Win, Some(1)),
            player_line(3, Wire::Win, Some(2)),
        ];
        assert!(matches!(
            placed(&[0, 0, 1, 1], split),
            Err(PlacementError::Contradiction(_))
        ));
    }

    #[test]
    fn two_teams_may_give_outcomes_alone_and_more_may_not() {
        let duel = vec![
            team_line(0, Wire::Win, None),
            team_line(1, Wire::Loss, None),
        ];
        assert_eq!(placed(&[0, 1], duel), Ok(vec![None, None]));
        let three = vec![
            team_line(0, Wire::Win, None),
            team_line(1, Wire::Loss, None),
            team_line(2, Wire::Draw, None),
        ];
        assert!(matches!(
            placed(&[0, 1, 2], three),
            Err(PlacementError::Required(_))
        ));
        let partly = vec![
            team_line(0, Wire::Win, Some(1)),
            team_line(1, Wire::Loss, Some(2)),
            team_line(2, Wire::Loss, None),
        ];
        assert!(matches!(
            placed(&[0, 1, 2], partly),
            Err(PlacementError::Required(_))
        ));
    }

    #[test]
    fn places_that_skip_or_overrun_are_a_gap() {
        for (places, why) in [
            ([1, 3, 3], "skips 2"),
            ([0, 1, 2], "starts at 0"),
            ([1, 2, 4], "past 3 teams"),
            ([1, 3, 4], "skips 2 and past 3 teams"),
            ([2, 2, 3], "no first"),
        ] {
            let lines = places
                .iter()
                .enumerate()
                .map(|(team, &place)| team_line(team as u32, Wire::Left, Some(place)))
                .collect();
            assert!(
                matches!(placed(&[0, 1, 2], lines), Err(PlacementError::Gap(_))),
                "{why}"
            );
        }
    }

    #[test]
    fn outcomes_that_disagree_with_places_are_a_contradiction() {
        for (outcomes, places) in [
            ([Wire::Win, Wire::Win, Wire::Loss], [1, 2, 3]),
            ([Wire::Loss, Wire::Win, Wire::Loss], [1, 2, 3]),
            ([Wire::Win, Wire::Draw, Wire::Loss], [1, 2, 3]),
            ([Wire::Win, Wire::Draw, Wire::Loss], [1, 1, 3]),
        ] {
            let lines = outcomes
                .iter()
                .zip(places)
                .enumerate()
                .map(|(team, (&outcome, place))| team_line(team as u32, outcome, Some(place)))
                .collect();
            assert!(
                matches!(
                    placed(&[0, 1, 2], lines),
                    Err(PlacementError::Contradiction(_))
                ),
                "{outcomes:?} placed {places:?}"
            );
        }
    }
}
