//! A queue definition the engine cannot run is refused naming the field at fault, and queue
//! and region names read from configuration are checked as they are read.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rally_engine::{Mode, PartyRule, QueueConfig, Region, Relaxation, RoleSlot, Widening};

fn valid() -> QueueConfig {
    QueueConfig::five_vs_five(vec![Region::new("eu").unwrap(), Region::new("na").unwrap()])
}

/// A way to break a valid queue.
type Breakage = Box<dyn Fn(&mut QueueConfig)>;

fn slot(name: &str, count: u16) -> RoleSlot {
    RoleSlot {
        name: name.to_owned(),
        count,
    }
}

#[test]
fn the_example_queues_are_valid_and_every_broken_field_is_named() {
    valid().validate().unwrap();
    QueueConfig::duel(vec![Region::new("eu").unwrap()])
        .validate()
        .unwrap();

    let cases: Vec<(&str, Breakage)> = vec![
        ("team_size", Box::new(|c| c.team_size = 0)),
        ("teams", Box::new(|c| c.teams = 0)),
        (
            "teams",
            Box::new(|c| {
                c.teams = 1;
                c.team_size = 1;
                c.min_teams = 1;
                c.max_party_size = 1;
            }),
        ),
        ("min_teams", Box::new(|c| c.min_teams = 3)),
        ("max_party_size", Box::new(|c| c.max_party_size = 0)),
        ("max_party_size", Box::new(|c| c.max_party_size = 6)),
        ("roles", Box::new(|c| c.roles = vec![slot("tank", 1)])),
        ("roles", Box::new(|c| c.roles = vec![slot("", 5)])),
        (
            "roles",
            Box::new(|c| c.roles = vec![slot("dps", 2), slot("dps", 3)]),
        ),
        (
            "roles",
            Box::new(|c| c.roles = (0..17).map(|i| slot(&format!("r{i}"), 0)).collect()),
        ),
        ("regions", Box::new(|c| c.regions.clear())),
        (
            "regions",
            Box::new(|c| c.regions.push(Region::new("eu").unwrap())),
        ),
        (
            "party_rule",
            Box::new(|c| c.party_rule = PartyRule::TopWeighted(1.5)),
        ),
        (
            "rating_band",
            Box::new(|c| {
                c.rating_band = Widening {
                    start: -1.0,
                    ..Widening::fixed(1.0)
                }
            }),
        ),
        (
            "rating_band",
            Box::new(|c| {
                c.rating_band = Widening {
                    start: 1.0,
                    step: -1.0,
                    every_ms: 10,
                    max: 5.0,
                }
            }),
        ),
        (
            "rating_band",
            Box::new(|c| {
                c.rating_band = Widening {
                    start: 5.0,
                    step: 1.0,
                    every_ms: 10,
                    max: 1.0,
                }
            }),
        ),
        (
            "rating_band",
            Box::new(|c| {
                c.rating_band = Widening {
                    start: 1.0,
                    step: 1.0,
                    every_ms: 0,
                    max: 5.0,
                }
            }),
        ),
        (
            "latency_ms",
            Box::new(|c| c.latency_ms = Widening::fixed(f64::NAN)),
        ),
        (
            "min_quality",
            Box::new(|c| {
                c.min_quality = Relaxation {
                    start: 1.5,
                    step: 0.0,
                    every_ms: 0,
                    floor: 0.5,
                }
            }),
        ),
        (
            "min_quality",
            Box::new(|c| {
                c.min_quality = Relaxation {
                    start: 0.5,
                    step: -0.1,
                    every_ms: 10,
                    floor: 0.1,
                }
            }),
        ),
        (
            "min_quality",
            Box::new(|c| {
                c.min_quality = Relaxation {
                    start: 0.5,
                    step: 0.0,
                    every_ms: 0,
                    floor: 0.9,
                }
            }),
        ),
        (
            "min_quality",
            Box::new(|c| {
                c.min_quality = Relaxation {
                    start: 0.9,
                    step: 0.1,
                    every_ms: 0,
                    floor: 0.5,
                }
            }),
        ),
        ("max_wait_ms", Box::new(|c| c.max_wait_ms = 0)),
        ("tick_interval_ms", Box::new(|c| c.tick_interval_ms = 0)),
    ];
    for (field, break_it) in cases {
        let mut config = valid();
        break_it(&mut config);
        let error = config.validate().expect_err(field);
        assert_eq!(error.field, field, "{error}");
        assert!(!error.reason.is_empty());
    }
}

#[test]
fn limits_widen_in_steps_up_to_their_bound_and_say_when_they_next_change() {
    let band = Widening {
        start: 1.0,
        step: 2.0,
        every_ms: 100,
        max: 4.0,
    };
    assert_eq!(band.at(0), 1.0);
    assert_eq!(band.at(150), 3.0);
    assert_eq!(band.at(10_000), 4.0, "capped");
    assert_eq!(band.next_change(150), Some(200));
    assert_eq!(band.next_change(10_000), None, "at its bound");
    assert_eq!(Widening::fixed(2.0).next_change(0), None);
    let quality = Relaxation {
        start: 0.9,
        step: 0.1,
        every_ms: 100,
        floor: 0.6,
    };
    assert!((quality.at(250) - 0.7).abs() < 1e-9);
    assert_eq!(quality.at(10_000), 0.6, "never below its floor");
    assert_eq!(quality.next_change(250), Some(300));
    assert_eq!(quality.next_change(10_000), None);
}

#[test]
fn names_read_from_configuration_are_checked_and_written_back_as_given() {
    let mode: Mode = serde_json::from_str("\"ranked-2v2\"").unwrap();
    assert_eq!(mode.to_string(), "ranked-2v2");
    assert_eq!(format!("{mode:?}"), "Mode(\"ranked-2v2\")");
    assert_eq!(serde_json::to_string(&mode).unwrap(), "\"ranked-2v2\"");
    assert!(serde_json::from_str::<Mode>("\"has space\"").is_err());
    assert!(serde_json::from_str::<Region>("\"\"").is_err());
    let region = Region::try_from("eu-west").unwrap();
    assert_eq!(region.as_str(), "eu-west");
    assert!(Region::try_from("a".repeat(100).as_str()).is_err());
}
