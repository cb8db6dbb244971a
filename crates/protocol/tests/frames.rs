//! One frame of every WebSocket message type, as the gateway writes it, compared with the
//! frames recorded in `tests/snapshots/frames.json`. A renamed, removed or retyped field fails
//! here before a game client notices. After an intended change to the wire, rewrite the file
//! with `RALLY_UPDATE_SNAPSHOTS=1 cargo test -p rally-protocol --test frames` and review its diff.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use rally_protocol::{
    acceptance::{AcceptanceState, MatchAcceptance},
    chat::{ChatChange, ChatChangeKind, ChatMessage},
    friend::{
        FriendChange, FriendChangeKind, FriendPresence, FriendPresenceChange, PresenceStatus,
    },
    gateway::{
        AccountBanned, ClientMessage, ClientRequest, GATEWAY_VERSION, GatewayError, Hello,
        PartyEvent, Presence, PresenceQuery, ServerEvent, ServerMessage,
    },
    moderation::{ModerationNotice, NoticeKind, PlayerSanction, SanctionKindName},
    party::PartyState,
    queue::{
        MatchFound, MatchPlayer, QualityBreakdown, QueueCancelled, QueueStatus, QueueTicket,
        RegionLatency, TicketState,
    },
    rating::RatingChange,
    session::{MatchCancelled, SessionEnded, SessionInfo, SessionState},
    voice::VoiceAccess,
};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn at() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_796_000_000).unwrap()
}

fn party(reason: &str) -> PartyEvent {
    PartyEvent {
        party_id: id(10),
        leader_id: id(1),
        state: Some(PartyState::Active),
        member_ids: vec![id(1), id(2)],
        updated_at: 1_796_000_000_000,
        reason: Some(reason.to_owned()),
        player_id: Some(id(2)),
        ..PartyEvent::default()
    }
}

/// One event of each type the server sends. The `match` has no wildcard arm, so a new type
/// does not compile until it is named here and given a sample below.
fn sample(kind: &ServerEvent) -> ServerEvent {
    match kind {
        ServerEvent::Hello(_) => ServerEvent::Hello(Hello {
            player_id: id(1),
            session_id: id(20),
            resumed: false,
            last_seq: 0,
            ping_interval_ms: 15_000,
            idle_timeout_ms: 45_000,
            resume_grace_ms: 30_000,
        }),
        ServerEvent::Pong => ServerEvent::Pong,
        ServerEvent::Presence(_) => ServerEvent::Presence(Presence {
            online: vec![id(2)],
        }),
        ServerEvent::Error(_) => ServerEvent::Error(GatewayError {
            code: "unknown_type".into(),
            detail: "no such request type".into(),
        }),
        ServerEvent::PartyUpdated(_) => ServerEvent::PartyUpdated(PartyEvent {
            ready: Some(true),
            ..party("ready")
        }),
        ServerEvent::PartyInvite(_) => ServerEvent::PartyInvite(PartyEvent {
            invite_id: Some(id(30)),
            inviter_id: Some(id(1)),
            answer: Some("pending".into()),
            expires_at: Some(1_796_000_060_000),
            ..party("invited")
        }),
        ServerEvent::PartyReadyCheck(_) => ServerEvent::PartyReadyCheck(PartyEvent {
            ready_check: Some("pending".into()),
            deadline: Some(1_796_000_030_000),
            ready_ids: Some(vec![id(1)]),
            reason: None,
            player_id: None,
            ..party("")
        }),
        ServerEvent::PartyDisbanded(_) => ServerEvent::PartyDisbanded(PartyEvent {
            state: Some(PartyState::Closed),
            member_ids: vec![],
            ..party("left")
        }),
        ServerEvent::QueueJoined(_) => ServerEvent::QueueJoined(QueueTicket {
            id: id(40),
            mode: "duel".into(),
            state: TicketState::Searching,
            party_id: Some(id(10)),
            member_ids: vec![id(1), id(2)],
            regions: vec![RegionLatency {
                region: "eu-west".into(),
                latency_ms: 25,
            }],
            cancel_reason: None,
            match_id: None,
            created_at: at(),
        }),
        ServerEvent::QueueCancelled(_) => ServerEvent::QueueCancelled(QueueCancelled {
            ticket_id: id(40),
            mode: "duel".into(),
            reason: "timeout".into(),
            member_ids: vec![id(1)],
        }),
        ServerEvent::QueueStatus(_) => ServerEvent::QueueStatus(QueueStatus {
            ticket_id: id(40),
            mode: "duel".into(),
            waited_s: 12.5,
            rating_band: 150.0,
            latency_limit_ms: 80.0,
        }),
        ServerEvent::MatchFound(_) => ServerEvent::MatchFound(MatchFound {
            match_id: id(50),
            mode: "duel".into(),
            region: "eu-west".into(),
            quality: 0.91,
            quality_breakdown: Some(QualityBreakdown {
                total: 0.91,
                fairness: 0.98,
                spread: 0.9,
                latency: 0.85,
                roles: 1.0,
                parties: 1.0,
            }),
            win_probabilities: vec![0.52, 0.48],
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
            created_at_ms: 1_796_000_000_000,
            accept_deadline_ms: Some(1_796_000_020_000),
        }),
        ServerEvent::MatchAccepted(_) => ServerEvent::MatchAccepted(MatchAcceptance {
            match_id: id(50),
            mode: "duel".into(),
            region: "eu-west".into(),
            state: AcceptanceState::Pending,
            deadline_ms: 1_796_000_020_000,
            player_ids: vec![id(1), id(3)],
            accepted_ids: vec![id(3)],
        }),
        ServerEvent::FriendUpdated(_) => ServerEvent::FriendUpdated(FriendChange {
            kind: FriendChangeKind::Requested,
            actor_id: id(1),
            player_id: id(2),
            at_ms: 1_796_000_000_000,
        }),
        ServerEvent::ChatMessage(_) => ServerEvent::ChatMessage(ChatChange {
            kind: ChatChangeKind::Posted,
            message: ChatMessage {
                id: id(70),
                channel:
                    "dm:00000000-0000-0000-0000-000000000001:00000000-0000-0000-0000-000000000002"
                        .into(),
                sender_id: id(1),
                sender_name: "Ada".into(),
                body: "gg".into(),
                sent_at: at(),
                edited_at: None,
            },
        }),
        ServerEvent::FriendPresence(_) => ServerEvent::FriendPresence(FriendPresenceChange {
            player_id: id(2),
            presence: FriendPresence {
                status: PresenceStatus::Offline,
                last_seen_at: Some(at()),
            },
        }),
        ServerEvent::MatchCancelled(_) => ServerEvent::MatchCancelled(MatchCancelled {
            match_id: id(50),
            reason: "no_server".into(),
            requeued: true,
            player_ids: vec![id(1), id(3)],
        }),
        ServerEvent::SessionReady(_) => ServerEvent::SessionReady(SessionInfo {
            match_id: id(50),
            state: SessionState::Ready,
            end_reason: None,
            endpoint: Some("203.0.113.7:7777".into()),
            token: Some("v1.token".into()),
            token_expires_at: Some(1_796_000_900_000),
            voice: Some(VoiceAccess {
                provider: "livekit".into(),
                url: "wss://voice.example.com".into(),
                room: format!("match-{}-team-0", id(50)),
                token: "voice.token".into(),
                expires_at: OffsetDateTime::from_unix_timestamp(1_796_001_500).unwrap(),
            }),
        }),
        ServerEvent::SessionEnded(_) => ServerEvent::SessionEnded(SessionEnded {
            match_id: id(50),
            reason: "abandoned".into(),
            player_ids: vec![id(1), id(3)],
        }),
        ServerEvent::RatingUpdated(_) => ServerEvent::RatingUpdated(RatingChange {
            match_id: id(50),
            mode: "duel".into(),
            season_id: id(60),
            mean_before: 25.0,
            mean_after: 26.5,
            uncertainty_before: 8.3,
            uncertainty_after: 7.9,
            mmr_before: 1500,
            mmr_after: 1532,
            placement: false,
        }),
        ServerEvent::AccountBanned(_) => ServerEvent::AccountBanned(AccountBanned {
            player_id: id(1),
            until: Some(at()),
        }),
        ServerEvent::ModerationNotice(_) => ServerEvent::ModerationNotice(ModerationNotice {
            player_id: id(1),
            kind: NoticeKind::SanctionGiven,
            sanction: PlayerSanction {
                id: id(80),
                kind: SanctionKindName::Mute,
                reason: "spam".into(),
                given_at: at(),
                until: Some(at()),
                holds: true,
                appeal: None,
            },
        }),
    }
}

/// Every server event type, each once (placeholders whose payload [`sample`] replaces).
fn every_type() -> Vec<ServerEvent> {
    let placeholder_party = PartyEvent::default;
    vec![
        ServerEvent::Hello(Hello {
            player_id: Uuid::nil(),
            session_id: Uuid::nil(),
            resumed: false,
            last_seq: 0,
            ping_interval_ms: 0,
            idle_timeout_ms: 0,
            resume_grace_ms: 0,
        }),
        ServerEvent::Pong,
        ServerEvent::Presence(Presence { online: vec![] }),
        ServerEvent::Error(GatewayError {
            code: String::new(),
            detail: String::new(),
        }),
        ServerEvent::PartyUpdated(placeholder_party()),
        ServerEvent::PartyInvite(placeholder_party()),
        ServerEvent::PartyReadyCheck(placeholder_party()),
        ServerEvent::PartyDisbanded(placeholder_party()),
        ServerEvent::QueueJoined(QueueTicket {
            id: Uuid::nil(),
            mode: String::new(),
            state: TicketState::Searching,
            party_id: None,
            member_ids: vec![],
            regions: vec![],
            cancel_reason: None,
            match_id: None,
            created_at: at(),
        }),
        ServerEvent::QueueCancelled(QueueCancelled {
            ticket_id: Uuid::nil(),
            mode: String::new(),
            reason: String::new(),
            member_ids: vec![],
        }),
        ServerEvent::QueueStatus(QueueStatus {
            ticket_id: Uuid::nil(),
            mode: String::new(),
            waited_s: 0.0,
            rating_band: 0.0,
            latency_limit_ms: 0.0,
        }),
        ServerEvent::MatchFound(MatchFound {
            match_id: Uuid::nil(),
            mode: String::new(),
            region: String::new(),
            quality: 0.0,
            quality_breakdown: None,
            win_probabilities: vec![],
            teams: vec![],
            created_at_ms: 0,
            accept_deadline_ms: None,
        }),
        ServerEvent::MatchAccepted(MatchAcceptance {
            match_id: Uuid::nil(),
            mode: String::new(),
            region: String::new(),
            state: AcceptanceState::Accepted,
            deadline_ms: 0,
            player_ids: vec![],
            accepted_ids: vec![],
        }),
        ServerEvent::FriendUpdated(FriendChange {
            kind: FriendChangeKind::Removed,
            actor_id: Uuid::nil(),
            player_id: Uuid::nil(),
            at_ms: 0,
        }),
        ServerEvent::ChatMessage(ChatChange {
            kind: ChatChangeKind::Deleted,
            message: ChatMessage {
                id: Uuid::nil(),
                channel: String::new(),
                sender_id: Uuid::nil(),
                sender_name: String::new(),
                body: String::new(),
                sent_at: OffsetDateTime::UNIX_EPOCH,
                edited_at: None,
            },
        }),
        ServerEvent::FriendPresence(FriendPresenceChange {
            player_id: Uuid::nil(),
            presence: FriendPresence {
                status: PresenceStatus::Online,
                last_seen_at: None,
            },
        }),
        ServerEvent::MatchCancelled(MatchCancelled {
            match_id: Uuid::nil(),
            reason: String::new(),
            requeued: false,
            player_ids: vec![],
        }),
        ServerEvent::SessionReady(SessionInfo {
            match_id: Uuid::nil(),
            state: SessionState::Ready,
            end_reason: None,
            endpoint: None,
            token: None,
            token_expires_at: None,
            voice: None,
        }),
        ServerEvent::SessionEnded(SessionEnded {
            match_id: Uuid::nil(),
            reason: String::new(),
            player_ids: vec![],
        }),
        ServerEvent::RatingUpdated(RatingChange {
            match_id: Uuid::nil(),
            mode: String::new(),
            season_id: Uuid::nil(),
            mean_before: 0.0,
            mean_after: 0.0,
            uncertainty_before: 0.0,
            uncertainty_after: 0.0,
            mmr_before: 0,
            mmr_after: 0,
            placement: false,
        }),
        ServerEvent::AccountBanned(AccountBanned {
            player_id: Uuid::nil(),
            until: None,
        }),
        ServerEvent::ModerationNotice(ModerationNotice {
            player_id: Uuid::nil(),
            kind: NoticeKind::SanctionLifted,
            sanction: PlayerSanction {
                id: Uuid::nil(),
                kind: SanctionKindName::Cooldown,
                reason: String::new(),
                given_at: at(),
                until: None,
                holds: false,
                appeal: None,
            },
        }),
    ]
}

/// The recorded frames: every server type as a push (replies carry no `seq`), then every
/// client request.
fn frames() -> Value {
    let mut recorded = serde_json::Map::new();
    for (n, kind) in every_type().iter().enumerate() {
        let event = sample(kind);
        let reply = matches!(
            event,
            ServerEvent::Hello(_)
                | ServerEvent::Pong
                | ServerEvent::Presence(_)
                | ServerEvent::Error(_)
        );
        let message = ServerMessage {
            v: GATEWAY_VERSION,
            id: format!("frame-{n}"),
            seq: (!reply).then_some(n as u64),
            event,
        };
        let type_name = message.event.kind();
        assert!(
            !recorded.contains_key(type_name),
            "{type_name} is sampled twice"
        );
        recorded.insert(
            type_name.to_owned(),
            serde_json::to_value(&message).unwrap(),
        );
    }
    for (type_name, request) in [
        ("ping", ClientRequest::Ping),
        (
            "presence.query",
            ClientRequest::PresenceQuery(PresenceQuery {
                player_ids: vec![id(2)],
            }),
        ),
    ] {
        let message = ClientMessage {
            v: GATEWAY_VERSION,
            id: "c-1".into(),
            request,
        };
        recorded.insert(
            format!("client:{type_name}"),
            serde_json::to_value(&message).unwrap(),
        );
    }
    Value::Object(recorded)
}

#[test]
fn every_frame_type_matches_its_recorded_frame() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/frames.json");
    let now = frames();
    if std::env::var_os("RALLY_UPDATE_SNAPSHOTS").is_some() {
        let text = serde_json::to_string_pretty(&now).unwrap();
        std::fs::write(&path, text + "\n").unwrap();
    }
    let recorded: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the recorded frames"))
            .expect("recorded frames are JSON");
    assert_eq!(
        now.as_object().unwrap().len(),
        24,
        "22 server and 2 client types"
    );
    for (type_name, frame) in recorded.as_object().unwrap() {
        assert_eq!(
            now.get(type_name),
            Some(frame),
            "the `{type_name}` frame changed on the wire"
        );
    }
    assert_eq!(now, recorded);
}

#[test]
fn recorded_frames_read_back_into_the_same_messages() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/frames.json");
    let recorded: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for (type_name, frame) in recorded.as_object().unwrap() {
        let back = if type_name.starts_with("client:") {
            serde_json::to_value(serde_json::from_value::<ClientMessage>(frame.clone()).unwrap())
        } else {
            serde_json::to_value(serde_json::from_value::<ServerMessage>(frame.clone()).unwrap())
        };
        assert_eq!(&back.unwrap(), frame, "`{type_name}` does not read back");
    }
}
