//! The SDK against a real `rally serve` on SQLite: ten clients play the quickplay example to a
//! stored result and new ratings on the example game server; a client whose WebSocket drops
//! while it waits still gets `match.found`; tokens are refreshed early, a reused refresh token
//! logs the client out, and refusals keep their problem code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

#[path = "../../sdk/examples/game_server.rs"]
#[allow(dead_code)]
mod game_server;
#[path = "../../sdk/examples/quickplay.rs"]
#[allow(dead_code)]
mod quickplay;

use std::{
    net::SocketAddr,
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use rally_sdk::{
    BlockingGameServer, Client, ClientConfig, Event, EventKind, GameServer,
    protocol::{
        CreatePartyRequest,
        rating::HistoryQuery,
        session::{BackfillRequest, SessionInfo, SessionState},
    },
};
use support::Node;
use tokio::{net::TcpListener, sync::watch};

const SERVER_KEY: &str = "sdk-test-server-key-0123456789abcdef012345";
const SESSION_KEY: &str = "sdk-test-session-key-0123456789abcdef01234";
const PASSWORD: &str = "correct horse battery";

/// A node on SQLite with known keys, whose static pool sends every `eu` match to `game_server`.
fn node(dir: &Path, game_server: SocketAddr, extra: &[(&str, &str)]) -> Node {
    std::fs::write(
        dir.join("rally.toml"),
        format!(
            "[[game_servers]]\nendpoint = \"{game_server}\"\nregion = \"eu\"\ncapacity = 100\n"
        ),
    )
    .unwrap();
    let mut settings = vec![
        ("RALLY_SERVER_KEY", SERVER_KEY),
        ("RALLY_SESSION_TOKEN_KEY", SESSION_KEY),
    ];
    settings.extend_from_slice(extra);
    Node::embedded(dir, &settings)
}

/// The next event `wanted` picks, within `patience`.
async fn next_matching<T>(
    client: &Client,
    patience: Duration,
    mut wanted: impl FnMut(Event) -> Option<T>,
) -> T {
    tokio::time::timeout(patience, async {
        loop {
            if let Some(found) = wanted(client.next_event().await) {
                return found;
            }
        }
    })
    .await
    .expect("the event came in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_clients_quickplay_to_a_stored_result_and_new_ratings() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let node = node(dir.path(), listener.local_addr().unwrap(), &[]);
    let url = node.url();
    let server = GameServer::new(&url, SERVER_KEY)
        .unwrap()
        .with_session_key(SESSION_KEY, &[]);
    let serving = tokio::spawn(game_server::serve(listener, server.clone(), 2, Some(5)));

    let players: Vec<_> = (0..10)
        .map(|i| {
            let (url, server) = (url.clone(), server.clone());
            tokio::spawn(async move {
                let name = format!("quick{i}");
                let (client, session) = quickplay::quickplay(&url, &name, PASSWORD, "duel", "eu")
                    .await
                    .unwrap();
                // The token the game server will accept offline is also valid online.
                let online = server
                    .verify(session.match_id, session.token.as_deref().unwrap())
                    .await
                    .unwrap();
                let me = client.player().await.unwrap();
                assert_eq!((online.valid, online.player_id), (true, Some(me.id)));
                let outcome = quickplay::play(&session).await.unwrap();
                let change = next_matching(&client, Duration::from_secs(30), |e| match e {
                    Event::RatingUpdated(change) => Some(change),
                    _ => None,
                })
                .await;
                (client, session, outcome, change)
            })
        })
        .collect();
    let mut wins = 0;
    for player in players {
        let (client, session, outcome, change) = player.await.unwrap();
        assert_eq!(change.match_id, session.match_id);
        match outcome.as_str() {
            "win" => {
                wins += 1;
                assert!(change.mean_after > change.mean_before, "{change:?}");
            }
            "loss" => assert!(change.mean_after < change.mean_before, "{change:?}"),
            other => panic!("the game server said {other:?}"),
        }
        // The stored history shows the match with the rating change.
        let history = client.history(&HistoryQuery::default()).await.unwrap();
        let entry = &history.entries[0];
        assert_eq!(entry.summary.id, session.match_id);
        assert_eq!(entry.summary.state, "completed");
        assert!(entry.rating_change.is_some_and(|c| c != 0.0), "{entry:?}");
        client.disconnect().await;
    }
    assert_eq!(wins, 5);
    tokio::time::timeout(Duration::from_secs(10), serving)
        .await
        .expect("the game server stored five results")
        .unwrap()
        .unwrap();
}

/// A TCP relay to a node whose connections the test can cut, and whose door it can close.
struct Relay {
    addr: SocketAddr,
    open: watch::Sender<bool>,
    cut: watch::Sender<u64>,
}

impl Relay {
    async fn to(target: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (open, is_open) = watch::channel(true);
        let (cut, cuts) = watch::channel(0);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !*is_open.borrow() {
                    continue;
                }
                let mut cuts = cuts.clone();
                cuts.mark_unchanged();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Relay { addr, open, cut }
    }

    /// Drops every relayed connection and refuses new ones until [`Relay::reopen`].
    fn sever(&self) {
        self.open.send_replace(false);
        self.cut.send_modify(|n| *n += 1);
    }

    fn reopen(&self) {
        self.open.send_replace(true);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_whose_websocket_drops_while_queued_still_gets_match_found() {
    let dir = tempfile::tempdir().unwrap();
    // A resume grace no slow machine can outlast.
    let grace = [("RALLY_WS_RESUME_GRACE_S", "600")];
    let node = node(dir.path(), "127.0.0.1:7777".parse().unwrap(), &grace);
    let relay = Relay::to(node.addr).await;
    let config = ClientConfig::new(format!("http://{}", relay.addr))
        .reconnect_backoff(Duration::from_millis(100), Duration::from_millis(500));
    let ada = Client::new(config).unwrap();
    let found_by_callback = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&found_by_callback);
    ada.on(EventKind::MatchFound, move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    ada.register("ada", "ada@example.com", PASSWORD)
        .await
        .unwrap();
    ada.connect().await.unwrap();
    let first = next_matching(&ada, Duration::from_secs(10), |e| match e {
        Event::Connected { session_id, .. } => Some(session_id),
        _ => None,
    })
    .await;
    ada.join_queue("duel", &[("eu", 20)]).await.unwrap();
    next_matching(&ada, Duration::from_secs(10), |e| {
        matches!(e, Event::QueueJoined(_)).then_some(())
    })
    .await;

    // Ada's connection drops; while she is away Bob queues and the match is made.
    relay.sever();
    next_matching(&ada, Duration::from_secs(10), |e| {
        matches!(e, Event::Disconnected { .. }).then_some(())
    })
    .await;
    let bob = Client::new(ClientConfig::new(node.url())).unwrap();
    bob.register("bob", "bob@example.com", PASSWORD)
        .await
        .unwrap();
    bob.connect().await.unwrap();
    next_matching(&bob, Duration::from_secs(10), |e| {
        matches!(e, Event::Connected { .. }).then_some(())
    })
    .await;
    bob.join_queue("duel", &[("eu", 20)]).await.unwrap();
    let found = next_matching(&bob, Duration::from_secs(15), |e| match e {
        Event::MatchFound(found) => Some(found),
        _ => None,
    })
    .await;
    assert!(
        ada.poll_events()
            .iter()
            .all(|e| !matches!(e, Event::MatchFound(_)))
    );

    // She comes back within the resume grace: the session resumes and the push is delivered.
    relay.reopen();
    let resumed = next_matching(&ada, Duration::from_secs(15), |e| match e {
        Event::Connected {
            session_id,
            resumed,
        } => Some((session_id, resumed)),
        _ => None,
    })
    .await;
    assert_eq!(resumed, (first, true));
    let missed = next_matching(&ada, Duration::from_secs(10), |e| match e {
        Event::MatchFound(found) => Some(found),
        _ => None,
    })
    .await;
    assert_eq!(missed.match_id, found.match_id);
    // Delivered once: to the callback as to the queue, and not again by a later replay.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        ada.poll_events()
            .iter()
            .all(|e| !matches!(e, Event::MatchFound(_)))
    );
    assert_eq!(found_by_callback.load(Ordering::SeqCst), 1);

    // Presence over the resumed gateway: both are online, a stranger is not.
    let ada_id = ada.player().await.unwrap().id;
    let bob_id = bob.player().await.unwrap().id;
    let mut online = ada
        .presence(&[bob_id, ada_id, uuid::Uuid::from_u128(1)])
        .await
        .unwrap();
    online.sort_unstable();
    let mut expected = vec![ada_id, bob_id];
    expected.sort_unstable();
    assert_eq!(online, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_game_server_heartbeats_asks_for_backfill_and_withdraws_it() {
    let dir = tempfile::tempdir().unwrap();
    let node = node(dir.path(), "127.0.0.1:7777".parse().unwrap(), &[]);
    let url = node.url();
    let (first, second) = tokio::join!(
        quickplay::quickplay(&url, "bf_ada", PASSWORD, "duel", "eu"),
        quickplay::quickplay(&url, "bf_bob", PASSWORD, "duel", "eu"),
    );
    let (ada, session) = first.unwrap();
    let (_bob, other) = second.unwrap();
    assert_eq!(session.match_id, other.match_id);
    let server = GameServer::new(&url, SERVER_KEY).unwrap();
    let refused = server.verify_offline(session.match_id, session.token.as_deref().unwrap());
    assert_eq!(
        refused.unwrap_err().to_string(),
        "unknown_key",
        "no session key given"
    );

    let heartbeat = server
        .start_heartbeat(session.match_id, Duration::from_millis(200))
        .await
        .unwrap();
    assert_eq!(heartbeat.state(), Some(SessionState::Active));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(heartbeat.is_running());

    // Bob leaves the match: his place is to be filled from the queue.
    let bob = other_player(&session, &other);
    let summary = ada.match_summary(session.match_id).await.unwrap();
    let team = summary
        .participants
        .iter()
        .find(|p| p.player_id == bob)
        .unwrap()
        .team;
    let request = BackfillRequest {
        team: u32::try_from(team).unwrap(),
        slots: 1,
        roles: None,
        replacing: Some(vec![bob]),
    };
    // The blocking form, from a plain thread as a server without tokio would call it.
    let match_id = session.match_id;
    let blocking = std::thread::spawn(move || {
        let server = BlockingGameServer::new(GameServer::new(&url, SERVER_KEY).unwrap()).unwrap();
        let answer = server.request_backfill(match_id, &request).unwrap();
        let again = server.request_backfill(match_id, &request).unwrap_err();
        server.withdraw_backfill(match_id).unwrap();
        let gone = server.withdraw_backfill(match_id).unwrap_err();
        (
            answer.state,
            again.code().to_owned(),
            (gone.code().to_owned(), gone.status()),
        )
    });
    let (opened, again, gone) = tokio::task::spawn_blocking(move || blocking.join().unwrap())
        .await
        .unwrap();
    assert_eq!(opened, "open");
    assert_eq!(again, "backfill_open");
    assert_eq!(gone, ("backfill_not_found".to_owned(), Some(404)));
    heartbeat.stop();
}

/// The player of `other`'s token, read offline with the key the test knows.
fn other_player(session: &SessionInfo, other: &SessionInfo) -> uuid::Uuid {
    let server = GameServer::new("http://127.0.0.1:9", SERVER_KEY)
        .unwrap()
        .with_session_key(SESSION_KEY, &[]);
    server
        .verify_offline(session.match_id, other.token.as_deref().unwrap())
        .unwrap()
        .player_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_refresh_early_a_reused_refresh_token_logs_out_and_refusals_keep_their_code() {
    let dir = tempfile::tempdir().unwrap();
    let node = node(
        dir.path(),
        "127.0.0.1:7777".parse().unwrap(),
        // No reuse interval: the thief's reuse, however soon, is caught.
        &[
            ("RALLY_REGISTER_LIMIT_PER_HOUR", "3"),
            ("RALLY_REFRESH_REUSE_INTERVAL_S", "0"),
        ],
    );
    // A margin longer than the token's life: every call refreshes first.
    let eager = ClientConfig::new(node.url()).refresh_margin(Duration::from_secs(86_400));
    let ada = Client::new(eager).unwrap();
    ada.register("ada", "ada@example.com", PASSWORD)
        .await
        .unwrap();
    let before = ada.refresh_token().await.unwrap();
    assert_eq!(ada.profile().await.unwrap().username, "ada");
    let after = ada.refresh_token().await.unwrap();
    assert_ne!(before, after, "the call refreshed the token pair first");
    ada.connect().await.unwrap();
    next_matching(&ada, Duration::from_secs(10), |e| {
        matches!(e, Event::Connected { .. }).then_some(())
    })
    .await;

    // Someone else spends Ada's refresh token: her next refresh is a reuse, and she is out.
    let thief = Client::new(ClientConfig::new(node.url())).unwrap();
    let current = ada.refresh_token().await.unwrap();
    thief.login_with_refresh_token(&current).await.unwrap();
    let error = ada.profile().await.unwrap_err();
    assert!(
        matches!(&error, rally_sdk::Error::LoggedOut { code } if code == "refresh_token_reused"),
        "{error:?}"
    );
    let told = next_matching(&ada, Duration::from_secs(10), |e| match e {
        Event::LoggedOut { code } => Some(code),
        _ => None,
    })
    .await;
    assert_eq!(told, "refresh_token_reused");
    assert_eq!(ada.profile().await.unwrap_err().code(), "not_logged_in");
    // The logged-out client closed its gateway; a new login opens a new one.
    let closed = ada.presence(&[]).await.unwrap_err();
    assert_eq!(closed.code(), "invalid_argument", "{closed}");
    ada.login("ada", PASSWORD).await.unwrap();
    ada.connect().await.unwrap();
    let reopened = next_matching(&ada, Duration::from_secs(10), |e| match e {
        Event::Connected { resumed, .. } => Some(resumed),
        _ => None,
    })
    .await;
    assert!(!reopened, "a new login starts a new gateway session");

    // Refusals keep Rally's code: a full party, and a rate limit with its delay.
    let plain = || Client::new(ClientConfig::new(node.url())).unwrap();
    let (bob, cleo, dan) = (plain(), plain(), plain());
    bob.register("bob", "bob@example.com", PASSWORD)
        .await
        .unwrap();
    let kept = bob.refresh_token().await.unwrap();
    bob.refresh().await.unwrap();
    assert_ne!(bob.refresh_token().await.unwrap(), kept);
    cleo.register("cleo", "cleo@example.com", PASSWORD)
        .await
        .unwrap();
    let party = bob
        .create_party(&CreatePartyRequest {
            max_size: Some(2),
            open: Some(true),
        })
        .await
        .unwrap();
    cleo.join_party(party.id).await.unwrap();
    let refused = dan
        .register("dan", "dan@example.com", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "rate_limited");
    assert!(refused.retry_after().is_some_and(|d| d > Duration::ZERO));
    assert_eq!(bob.my_party().await.unwrap().unwrap().members.len(), 2);
    let thief_party = thief.join_party(party.id).await.unwrap_err();
    assert_eq!(
        (thief_party.code(), thief_party.status()),
        ("party_full", Some(409))
    );
    assert_eq!(cleo.ticket().await.unwrap(), None);
}

/// A C string for the C ABI's calls.
fn c(text: &str) -> std::ffi::CString {
    std::ffi::CString::new(text).unwrap()
}

/// A string the C ABI returned, read and freed.
#[allow(unsafe_code)] // reading and freeing what the C ABI returned
fn taken(text: *mut std::ffi::c_char) -> String {
    assert!(!text.is_null());
    // SAFETY: a NUL-terminated string the C ABI made, freed once below.
    let read = unsafe { std::ffi::CStr::from_ptr(text) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: made by the C ABI, not freed before.
    unsafe { rally_sdk_ffi::rally_string_free(text) };
    read
}

/// A player registered as `username` through the SDK, their gateway connected.
async fn connected(node: &Node, username: &str) -> (Client, uuid::Uuid) {
    let client = Client::new(ClientConfig::new(node.url())).unwrap();
    let id = client
        .register(username, &format!("{username}@example.com"), PASSWORD)
        .await
        .unwrap()
        .id;
    client.connect().await.unwrap();
    next_matching(&client, Duration::from_secs(10), |e| {
        matches!(e, Event::Connected { .. }).then_some(())
    })
    .await;
    (client, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(unsafe_code)] // the C ABI is called as a C game would
async fn friends_are_made_and_ended_through_the_sdk_and_the_c_abi() {
    use rally_sdk_ffi::{RallyStatus, rally_last_error_code};
    let dir = tempfile::tempdir().unwrap();
    let node = Node::embedded(dir.path(), &[]);
    let (ada, ada_id) = connected(&node, "ada_friend").await;

    // Bob plays through the C ABI, whose calls block: on a blocking thread.
    let url = node.url().to_string();
    let ada_text = ada_id.to_string();
    let bob_plays = tokio::task::spawn_blocking(move || {
        // SAFETY: each pointer below is a live C string or the client made here, freed once.
        unsafe {
            let bob = rally_sdk_ffi::rally_client_new(c(&url).as_ptr());
            assert!(!bob.is_null());
            let status = rally_sdk_ffi::rally_register(
                bob,
                c("bob_friend").as_ptr(),
                c("bob@example.com").as_ptr(),
                c(PASSWORD).as_ptr(),
            );
            assert_eq!(status, RallyStatus::Ok);
            let mut id = std::ptr::null_mut();
            assert_eq!(
                rally_sdk_ffi::rally_player_id(bob, &mut id),
                RallyStatus::Ok
            );
            let bob_id = taken(id);
            let ada_c = c(&ada_text);
            assert_eq!(
                rally_sdk_ffi::rally_friend_request(bob, ada_c.as_ptr()),
                RallyStatus::Ok
            );
            // Wait until Ada accepted, reading the list as a game would.
            let mut listed = String::new();
            for _ in 0..200 {
                let mut json = std::ptr::null_mut();
                assert_eq!(
                    rally_sdk_ffi::rally_friends(bob, &mut json),
                    RallyStatus::Ok
                );
                listed = taken(json);
                if listed.contains("\"state\":\"friend\"") {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            assert_eq!(
                rally_sdk_ffi::rally_friend_remove(bob, ada_c.as_ptr()),
                RallyStatus::Ok
            );
            let again = rally_sdk_ffi::rally_friend_remove(bob, ada_c.as_ptr());
            let code = taken(rally_last_error_code());
            // Blocks: block, list, lift, and lifting again is refused with its code.
            assert_eq!(
                rally_sdk_ffi::rally_block(bob, ada_c.as_ptr()),
                RallyStatus::Ok
            );
            let mut json = std::ptr::null_mut();
            assert_eq!(rally_sdk_ffi::rally_blocks(bob, &mut json), RallyStatus::Ok);
            let blocks = taken(json);
            assert!(blocks.contains(&ada_text), "{blocks}");
            assert_eq!(
                rally_sdk_ffi::rally_unblock(bob, ada_c.as_ptr()),
                RallyStatus::Ok
            );
            assert_eq!(
                rally_sdk_ffi::rally_unblock(bob, ada_c.as_ptr()),
                RallyStatus::Api
            );
            assert_eq!(taken(rally_last_error_code()), "not_blocked");
            assert_eq!(
                rally_sdk_ffi::rally_friend_request(bob, c("not-a-uuid").as_ptr()),
                RallyStatus::InvalidArgument
            );
            rally_sdk_ffi::rally_client_free(bob);
            (bob_id, listed, (again, code))
        }
    });

    let asked = next_matching(&ada, Duration::from_secs(10), |e| match e {
        Event::FriendUpdated(change) => Some(change),
        _ => None,
    })
    .await;
    let bob_id = asked.actor_id;
    assert_eq!(asked.player_id, ada_id);
    let incoming = ada.friends().await.unwrap();
    assert_eq!(incoming.friends.len(), 1);
    assert_eq!(
        incoming.friends[0].state,
        rally_sdk::protocol::FriendState::Incoming
    );
    let friend = ada.accept_friend(bob_id).await.unwrap();
    assert_eq!(friend.state, rally_sdk::protocol::FriendState::Friend);
    let (bob_text, listed, removed_twice) = bob_plays.await.unwrap();
    assert_eq!(bob_text, bob_id.to_string());
    assert!(listed.contains("\"state\":\"friend\""), "{listed}");
    assert!(listed.contains("\"presence\""), "{listed}");
    assert_eq!(removed_twice, (RallyStatus::Api, "not_friends".to_owned()));
    let error = ada.remove_friend(bob_id).await.unwrap_err();
    assert_eq!(error.code(), "not_friends");
    ada.block_player(bob_id).await.unwrap();
    let blocked = ada.blocked_players().await.unwrap();
    assert_eq!(blocked.blocked.len(), 1);
    assert_eq!(blocked.blocked[0].player_id, bob_id);
    let refused = ada.request_friend(bob_id).await.unwrap_err();
    assert_eq!(refused.code(), "blocked");
    ada.unblock_player(bob_id).await.unwrap();
    let error = ada.unblock_player(bob_id).await.unwrap_err();
    assert_eq!(error.code(), "not_blocked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(unsafe_code)] // the C ABI is called as a C game would
async fn direct_messages_go_both_ways_through_the_sdk_and_the_c_abi() {
    use rally_sdk::protocol::ChatChangeKind;
    use rally_sdk_ffi::{RallyStatus, rally_last_error_code};
    let dir = tempfile::tempdir().unwrap();
    let node = Node::embedded(dir.path(), &[]);
    let (ada, ada_id) = connected(&node, "ada_chat").await;

    let url = node.url().to_string();
    let to_ada = format!("dm:{ada_id}");
    let bob_plays = tokio::task::spawn_blocking(move || {
        // SAFETY: each pointer below is a live C string or the client made here, freed once.
        unsafe {
            let bob = rally_sdk_ffi::rally_client_new(c(&url).as_ptr());
            let status = rally_sdk_ffi::rally_register(
                bob,
                c("bob_chat").as_ptr(),
                c("bob_chat@example.com").as_ptr(),
                c(PASSWORD).as_ptr(),
            );
            assert_eq!(status, RallyStatus::Ok);
            let mut json = std::ptr::null_mut();
            let status = rally_sdk_ffi::rally_chat_send(
                bob,
                c(&to_ada).as_ptr(),
                c("hi ada").as_ptr(),
                &mut json,
            );
            assert_eq!(status, RallyStatus::Ok);
            let mine: serde_json::Value = serde_json::from_str(&taken(json)).unwrap();
            let channel = mine["channel"].as_str().unwrap().to_owned();
            // Wait for Ada's answer, counted unread.
            let mut unread = serde_json::Value::Null;
            for _ in 0..200 {
                let mut json = std::ptr::null_mut();
                let status = rally_sdk_ffi::rally_chat_unread(bob, &mut json);
                assert_eq!(status, RallyStatus::Ok);
                unread = serde_json::from_str(&taken(json)).unwrap();
                if unread["channels"].as_array().is_some_and(|c| !c.is_empty()) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let mut json = std::ptr::null_mut();
            let status = rally_sdk_ffi::rally_chat_history(
                bob,
                c(&channel).as_ptr(),
                std::ptr::null(),
                0,
                &mut json,
            );
            assert_eq!(status, RallyStatus::Ok);
            let page: serde_json::Value = serde_json::from_str(&taken(json)).unwrap();
            let newest = page["messages"][0]["id"].as_str().unwrap().to_owned();
            let status =
                rally_sdk_ffi::rally_chat_mark_read(bob, c(&channel).as_ptr(), c(&newest).as_ptr());
            assert_eq!(status, RallyStatus::Ok);
            let mut json = std::ptr::null_mut();
            assert_eq!(
                rally_sdk_ffi::rally_chat_unread(bob, &mut json),
                RallyStatus::Ok
            );
            let after = taken(json);
            let own = mine["id"].as_str().unwrap();
            assert_eq!(
                rally_sdk_ffi::rally_chat_delete(bob, c(own).as_ptr()),
                RallyStatus::Ok
            );
            let again = rally_sdk_ffi::rally_chat_delete(bob, c(own).as_ptr());
            let code = taken(rally_last_error_code());
            rally_sdk_ffi::rally_client_free(bob);
            (unread, page, after, (again, code))
        }
    });

    let said = next_matching(&ada, Duration::from_secs(10), |e| match e {
        Event::ChatMessage(change) => Some(change),
        _ => None,
    })
    .await;
    assert_eq!(said.kind, ChatChangeKind::Posted);
    assert_eq!(said.message.body, "hi ada");
    let bob_id = said.message.sender_id;
    let answer = ada
        .send_message(&format!("dm:{bob_id}"), "hi bob")
        .await
        .unwrap();
    assert_eq!(answer.channel, said.message.channel);
    let (unread, page, after, deleted_twice) = bob_plays.await.unwrap();
    assert_eq!(unread["channels"][0]["unread"], 1, "{unread}");
    assert_eq!(page["messages"][0]["body"], "hi bob", "{page}");
    assert_eq!(after, r#"{"channels":[]}"#);
    assert_eq!(
        deleted_twice,
        (RallyStatus::Api, "message_not_found".to_owned())
    );
    let gone = next_matching(&ada, Duration::from_secs(10), |e| match e {
        Event::ChatMessage(change) if change.kind == ChatChangeKind::Deleted => Some(change),
        _ => None,
    })
    .await;
    assert_eq!(gone.message.id, said.message.id);
    let history = ada
        .chat_history(&answer.channel, None, Some(10))
        .await
        .unwrap();
    assert_eq!(history.messages.len(), 1);
    assert_eq!(history.messages[0].body, "hi bob");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(unsafe_code)] // the C ABI is called as a C game would
async fn a_party_member_gets_their_voice_token_through_the_sdk_and_the_c_abi() {
    use rally_sdk::protocol::CreatePartyRequest;
    use rally_sdk_ffi::RallyStatus;
    let dir = tempfile::tempdir().unwrap();
    let node = Node::embedded(
        dir.path(),
        &[
            ("RALLY_VOICE_PROVIDER", "livekit"),
            ("RALLY_VOICE_URL", "wss://voice.example.com"),
            ("RALLY_LIVEKIT_API_KEY", "APIrally"),
            (
                "RALLY_LIVEKIT_API_SECRET",
                "livekit-test-secret-0123456789abcdef",
            ),
        ],
    );
    let (ada, _) = connected(&node, "ada_voice").await;
    let party = ada
        .create_party(&CreatePartyRequest {
            max_size: None,
            open: Some(true),
        })
        .await
        .unwrap();
    let access = ada.party_voice(party.id).await.unwrap();
    assert_eq!(access.provider, "livekit");
    assert_eq!(access.url, "wss://voice.example.com");
    assert!(access.room.starts_with(&format!("party-{}-", party.id)));
    // The party as created carries it too.
    let created = party.voice.as_ref().expect("the creator's voice access");
    assert_eq!(created.room, access.room);
    // A match the player is not in has no team room for them.
    let stranger = ada.match_voice(uuid::Uuid::now_v7()).await.unwrap_err();
    assert_eq!(stranger.code(), "match_not_found", "{stranger}");

    // The same through the C ABI, for a second member.
    let url = node.url().to_string();
    let party_text = party.id.to_string();
    let (status, json) = tokio::task::spawn_blocking(move || {
        // SAFETY: each pointer below is a live C string or the client made here, freed once.
        unsafe {
            let bob = rally_sdk_ffi::rally_client_new(c(&url).as_ptr());
            let status = rally_sdk_ffi::rally_register(
                bob,
                c("bob_voice").as_ptr(),
                c("bob_voice@example.com").as_ptr(),
                c(PASSWORD).as_ptr(),
            );
            assert_eq!(status, RallyStatus::Ok);
            let party = c(&party_text);
            assert_eq!(
                rally_sdk_ffi::rally_party_join(bob, party.as_ptr()),
                RallyStatus::Ok
            );
            let mut json = std::ptr::null_mut();
            let nowhere = c(&uuid::Uuid::now_v7().to_string());
            assert_eq!(
                rally_sdk_ffi::rally_match_voice(bob, nowhere.as_ptr(), &mut json),
                RallyStatus::Api
            );
            assert_eq!(
                taken(rally_sdk_ffi::rally_last_error_code()),
                "match_not_found"
            );
            let status = rally_sdk_ffi::rally_party_voice(bob, party.as_ptr(), &mut json);
            let text = if json.is_null() {
                String::new()
            } else {
                taken(json)
            };
            rally_sdk_ffi::rally_client_free(bob);
            (status, text)
        }
    })
    .await
    .unwrap();
    assert_eq!(status, RallyStatus::Ok);
    let bobs: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(bobs["room"], access.room.as_str());
    assert_ne!(bobs["token"], access.token.as_str());
}
