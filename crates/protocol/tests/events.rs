//! Every bus event survives the trip through its envelope unchanged, is tagged with the name of
//! its stream, and an envelope a reader cannot read is refused rather than half-read.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rally_protocol::{
    acceptance::{AcceptanceState, MatchAcceptance},
    chat::{ChatChange, ChatChangeKind, ChatMessage},
    event::{
        ChatPush, Envelope, Event, MatchCompleted, PlayerOutcome, PlayerRegistered, ProfileUpdated,
        QueueChange, RatingDelta, RatingsApplied, SCHEMA_VERSION, SessionReady,
    },
    friend::{FriendChange, FriendChangeKind},
    gateway::{AccountBanned, PartyEvent},
    moderation::{
        AppealStateName, AppealView, ModerationNotice, NoticeKind, PlayerSanction, SanctionKindName,
    },
    party::PartyState,
    queue::{MatchFound, MatchPlayer, QueueCancelled, QueueTicket, RegionLatency, TicketState},
    session::{MatchCancelled, Outcome, ResultLine, ResultReport, SessionEnded},
};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn party() -> PartyEvent {
    PartyEvent {
        party_id: id(10),
        leader_id: id(1),
        state: Some(PartyState::Queued),
        member_ids: vec![id(1), id(2)],
        updated_at: 1_796_000_000_000,
        reason: Some("joined".into()),
        player_id: Some(id(2)),
        ..PartyEvent::default()
    }
}

/// One event of every type, with every optional field set where there is one.
fn every_event() -> Vec<Event> {
    let at = OffsetDateTime::from_unix_timestamp(1_796_000_000).unwrap();
    vec![
        Event::PlayerRegistered(PlayerRegistered {
            player_id: id(1),
            username: "ada".into(),
            display_name: "Ada".into(),
            region: Some("eu-west".into()),
            registered_at: 1,
        }),
        Event::ProfileUpdated(ProfileUpdated {
            player_id: id(1),
            changed: vec!["display_name".into(), "password".into()],
            display_name: "Ada L".into(),
            region: None,
            avatar_url: Some("https://cdn.example/a.png".into()),
            updated_at: 2,
        }),
        Event::PartyUpdated(PartyEvent {
            ready: Some(true),
            ..party()
        }),
        Event::PartyInvite(PartyEvent {
            invite_id: Some(id(30)),
            inviter_id: Some(id(1)),
            answer: Some("pending".into()),
            expires_at: Some(3),
            ..party()
        }),
        Event::PartyReadyCheck(PartyEvent {
            ready_check: Some("pending".into()),
            deadline: Some(4),
            ready_ids: Some(vec![id(1)]),
            ..party()
        }),
        Event::PartyDisbanded(PartyEvent {
            state: Some(PartyState::Closed),
            member_ids: vec![],
            ..party()
        }),
        Event::QueueUpdated(QueueChange::Joined(QueueTicket {
            id: id(40),
            mode: "duel".into(),
            state: TicketState::Searching,
            party_id: None,
            member_ids: vec![id(1)],
            regions: vec![RegionLatency {
                region: "eu-west".into(),
                latency_ms: 25,
            }],
            cancel_reason: None,
            match_id: None,
            created_at: at,
        })),
        Event::QueueUpdated(QueueChange::Cancelled(QueueCancelled {
            ticket_id: id(40),
            mode: "duel".into(),
            reason: "timeout".into(),
            member_ids: vec![id(1)],
        })),
        Event::MatchCreated(MatchFound {
            match_id: id(50),
            mode: "duel".into(),
            region: "eu-west".into(),
            quality: 0.93,
            quality_breakdown: None,
            win_probabilities: vec![0.5, 0.5],
            teams: vec![
                vec![MatchPlayer {
                    player_id: id(1),
                    display_name: "Ada".into(),
                    party_id: None,
                }],
                vec![MatchPlayer {
                    player_id: id(3),
                    display_name: "Grace".into(),
                    party_id: Some(id(11)),
                }],
            ],
            created_at_ms: 5,
            accept_deadline_ms: Some(20_005),
        }),
        Event::ChatMessage(ChatPush {
            change: ChatChange {
                kind: ChatChangeKind::Edited,
                message: ChatMessage {
                id: id(70),
                channel: "dm:00000000-0000-0000-0000-000000000001:00000000-0000-0000-0000-000000000002".into(),
                sender_id: id(1),
                sender_name: "Ada".into(),
                body: "gg".into(),
                sent_at: OffsetDateTime::from_unix_timestamp(1_796_000_000).unwrap(),
                edited_at: Some(OffsetDateTime::from_unix_timestamp(1_796_000_009).unwrap()),
            },
            },
            recipients: vec![id(1), id(2)],
        }),
        Event::FriendUpdated(FriendChange {
            kind: FriendChangeKind::Accepted,
            actor_id: id(3),
            player_id: id(1),
            at_ms: 7,
        }),
        Event::MatchAccepted(MatchAcceptance {
            match_id: id(50),
            mode: "duel".into(),
            region: "eu-west".into(),
            state: AcceptanceState::Accepted,
            deadline_ms: 20_005,
            player_ids: vec![id(1), id(3)],
            accepted_ids: vec![id(1), id(3)],
        }),
        Event::MatchCancelled(MatchCancelled {
            match_id: id(50),
            reason: "allocation_failed: no server".into(),
            requeued: true,
            player_ids: vec![id(1), id(3)],
        }),
        Event::SessionReady(SessionReady {
            match_id: id(50),
            endpoint: "203.0.113.7:7777".into(),
            player_ids: vec![id(1), id(3)],
        }),
        Event::SessionEnded(SessionEnded {
            match_id: id(50),
            reason: "abandoned".into(),
            player_ids: vec![id(1), id(3)],
        }),
        Event::MatchCompleted(MatchCompleted {
            match_id: id(50),
            mode: "duel".into(),
            season_id: Some(id(60)),
            result: ResultReport {
                outcomes: vec![
                    ResultLine {
                        team: Some(0),
                        player_id: None,
                        outcome: Outcome::Win,
                        placement: Some(1),
                    },
                    ResultLine {
                        team: None,
                        player_id: Some(id(3)),
                        outcome: Outcome::Left,
                        placement: None,
                    },
                ],
                duration_s: 612.5,
                stats: Some(json!({"kills": {"ada": 7}})),
            },
            outcomes: vec![
                PlayerOutcome {
                    player_id: id(1),
                    outcome: "win".into(),
                    placement: None,
                },
                PlayerOutcome {
                    player_id: id(3),
                    outcome: "left".into(),
                    placement: None,
                },
            ],
        }),
        Event::RatingUpdated(RatingsApplied {
            match_id: id(50),
            season_id: id(60),
            mode: "duel".into(),
            changes: vec![RatingDelta {
                player_id: id(1),
                mean_before: 25.0,
                uncertainty_before: 8.333,
                mean_after: 27.1,
                uncertainty_after: 7.9,
                mmr_before: 1500,
                mmr_after: 1540,
                placement: true,
                games: 3,
            }],
        }),
        Event::AccountBanned(AccountBanned {
            player_id: id(1),
            until: Some(at),
        }),
        Event::ModerationNotice(notice(at)),
    ]
}

/// A notice of an upheld appeal of a mute.
fn notice(at: OffsetDateTime) -> ModerationNotice {
    ModerationNotice {
        player_id: id(1),
        kind: NoticeKind::AppealDecided,
        sanction: PlayerSanction {
            id: id(80),
            kind: SanctionKindName::Mute,
            reason: "spam".into(),
            given_at: at,
            until: None,
            holds: true,
            appeal: Some(AppealView {
                id: id(81),
                sanction_id: id(80),
                player_id: id(1),
                text: "it was a joke".into(),
                state: AppealStateName::Upheld,
                decision_reason: Some("repeated".into()),
                decided_by: None,
                created_at: at,
                decided_at: Some(at),
            }),
        },
    }
}

/// Every type name, by an exhaustive match: a new event type fails to compile here until it
/// is given a sample in [`every_event`].
fn covered(event: &Event) -> &'static str {
    match event {
        Event::PlayerRegistered(_)
        | Event::ProfileUpdated(_)
        | Event::PartyUpdated(_)
        | Event::PartyInvite(_)
        | Event::PartyReadyCheck(_)
        | Event::PartyDisbanded(_)
        | Event::QueueUpdated(_)
        | Event::MatchCreated(_)
        | Event::MatchAccepted(_)
        | Event::MatchCancelled(_)
        | Event::SessionReady(_)
        | Event::SessionEnded(_)
        | Event::MatchCompleted(_)
        | Event::RatingUpdated(_)
        | Event::AccountBanned(_)
        | Event::FriendUpdated(_)
        | Event::ChatMessage(_)
        | Event::ModerationNotice(_) => event.type_name(),
    }
}

fn envelope(event: Event) -> Envelope {
    Envelope {
        id: id(900),
        schema_version: SCHEMA_VERSION,
        occurred_at: OffsetDateTime::from_unix_timestamp(1_796_000_001).unwrap(),
        correlation_id: "req-42".into(),
        causation_id: Some(id(899)),
        traceparent: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into()),
        event,
    }
}

#[test]
fn every_event_round_trips_in_its_envelope() {
    let events = every_event();
    let names: std::collections::HashSet<&str> = events.iter().map(covered).collect();
    assert_eq!(names.len(), 18, "every event type is sampled: {names:?}");
    for event in events {
        let sealed = envelope(event);
        let text = serde_json::to_string(&sealed).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["type"], sealed.event.type_name(), "{text}");
        assert_eq!(value["correlation_id"], "req-42");
        assert_eq!(value["schema_version"], SCHEMA_VERSION);
        assert!(value["data"].is_object(), "{text}");
        let back: Envelope = serde_json::from_str(&text).unwrap();
        assert_eq!(back, sealed, "{text}");
    }
}

#[test]
fn an_envelope_without_a_cause_or_trace_reads_and_writes_without_them() {
    let mut sealed = envelope(Event::SessionEnded(SessionEnded {
        match_id: id(50),
        reason: "abandoned".into(),
        player_ids: vec![],
    }));
    sealed.causation_id = None;
    sealed.traceparent = None;
    let text = serde_json::to_string(&sealed).unwrap();
    assert!(!text.contains("causation_id"), "{text}");
    assert!(!text.contains("traceparent"), "{text}");
    assert_eq!(serde_json::from_str::<Envelope>(&text).unwrap(), sealed);
}

#[test]
fn unreadable_envelopes_are_refused_whole() {
    let good = serde_json::to_value(envelope(Event::SessionReady(SessionReady {
        match_id: id(50),
        endpoint: "203.0.113.7:7777".into(),
        player_ids: vec![id(1)],
    })))
    .unwrap();
    let mut unknown_type = good.clone();
    unknown_type["type"] = json!("match.exploded");
    let mut renamed_field = good.clone();
    renamed_field["data"] = json!({"match": id(50), "endpoint": "x", "player_ids": []});
    let mut no_correlation = good.clone();
    no_correlation
        .as_object_mut()
        .unwrap()
        .remove("correlation_id");
    for (what, bad) in [
        ("an unknown type", unknown_type),
        ("a renamed field", renamed_field),
        ("no correlation id", no_correlation),
        ("a bare payload", good["data"].clone()),
    ] {
        assert!(
            serde_json::from_value::<Envelope>(bad).is_err(),
            "{what} must not read"
        );
    }
    assert!(serde_json::from_value::<Envelope>(good).is_ok());
}
