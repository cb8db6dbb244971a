//! The SDK's C ABI from C++: the quickplay example (`crates/sdk-ffi/examples/quickplay.cpp`) is
//! compiled with g++ against the static library and the generated header, and plays against a
//! real `rally serve` on SQLite until its session is ready, with a Rust SDK client as the
//! opponent. The duel queue asks both players to accept the match they are found, so the
//! session comes only after each accepted, the C++ player through `rally_match_accept`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::{path::PathBuf, process::Stdio, time::Duration};

use rally_sdk::{Client, ClientConfig, Event};
use support::Node;

/// `target/<profile>`, from this test's own path (`target/<profile>/deps/<test>`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

/// The newest static library of the C ABI that cargo built for this test.
fn static_library() -> PathBuf {
    let profile = profile_dir();
    let mut found: Vec<PathBuf> = [profile.clone(), profile.join("deps")]
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with("librally_sdk_ffi") && name.ends_with(".a")
        })
        .collect();
    found.sort_by_key(|path| path.metadata().and_then(|m| m.modified()).ok());
    found
        .pop()
        .expect("cargo built librally_sdk_ffi.a (rally-sdk-ffi is a dev-dependency)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cpp_example_queues_and_gets_its_session_through_the_c_abi() {
    let build = tempfile::tempdir().unwrap();
    let program = build.path().join("quickplay");
    let source =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sdk-ffi/examples/quickplay.cpp");
    let compiled = tokio::process::Command::new("g++")
        .args(["-std=c++17", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(profile_dir().join("include"))
        .arg(&source)
        .arg(static_library())
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&program)
        .output()
        .await
        .expect("g++ runs (scripts/services installs it)");
    assert!(
        compiled.status.success(),
        "g++ failed:\n{}",
        String::from_utf8_lossy(&compiled.stderr)
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rally.toml"),
        "[queues.duel]\nteam_size = 1\nmax_party_size = 1\naccept_timeout_ms = 30000\n",
    )
    .unwrap();
    let node = Node::embedded(dir.path(), &[]);
    let game = tokio::process::Command::new(&program)
        .args([node.url().as_str(), "cpp_ada", "correct horse battery"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    let bob = Client::new(ClientConfig::new(node.url())).unwrap();
    bob.register("rust_bob", "bob@example.com", "correct horse battery")
        .await
        .unwrap();
    bob.connect().await.unwrap();
    // Connected first, so the match push cannot come before the gateway listens.
    tokio::time::timeout(Duration::from_secs(10), async {
        while !matches!(bob.next_event().await, Event::Connected { .. }) {}
    })
    .await
    .expect("bob's gateway connected");
    bob.join_queue("duel", &[("eu", 30)]).await.unwrap();
    let found = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if let Event::MatchFound(found) = bob.next_event().await {
                return found;
            }
        }
    })
    .await
    .expect("bob was matched with the C++ player");
    assert!(found.accept_deadline_ms.is_some(), "{found:?}");
    let accepted = bob.accept_match(found.match_id).await.unwrap();
    let bob_id = bob.player().await.unwrap().id;
    assert!(accepted.accepted_ids.contains(&bob_id), "{accepted:?}");
    assert_eq!(accepted.player_ids.len(), 2, "{accepted:?}");

    let output = tokio::time::timeout(Duration::from_secs(60), game.wait_with_output())
        .await
        .expect("the C++ game loop ended")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("event connected"), "{stdout}");
    assert!(
        stdout.contains(&format!("match {}", found.match_id)),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("accepted {}", found.match_id)),
        "{stdout}"
    );
    let settled = bob.match_acceptance(found.match_id).await.unwrap();
    assert_eq!(
        settled.state,
        rally_sdk::protocol::AcceptanceState::Accepted,
        "{settled:?}"
    );
    assert!(stdout.contains("acceptance accepted"), "{stdout}");
    assert!(stdout.contains("endpoint 127.0.0.1:7777"), "{stdout}");
    assert!(stdout.contains("token received"), "{stdout}");
}
