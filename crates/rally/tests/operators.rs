//! Operators on a deployment over PostgreSQL, Redis and NATS: `rally operator add` (password on
//! standard input), their login on the admin API, the audit log holding the command line's and
//! the operator's actions (a `rally player ban` included), a second factor enrolled with
//! `rally operator totp`, and `rally operator disable` ending their token at once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::json;
use support::Deployment;

const PASSWORD: &str = "a long operator passphrase";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_added_on_the_command_line_logs_in_reads_the_audit_log_and_is_disabled() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let deployment = Deployment::new().await;
    let node = deployment.node("api", &[]);
    let (ada, _) = node.register("ada").await;

    let added =
        deployment.cli_with_input(&["operator", "add", "root", "--role", "admin"], PASSWORD);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let again =
        deployment.cli_with_input(&["operator", "add", "ROOT", "--role", "viewer"], PASSWORD);
    assert!(!again.status.success(), "a name is taken whatever its case");
    let short =
        deployment.cli_with_input(&["operator", "add", "tiny", "--role", "viewer"], "short");
    assert!(!short.status.success(), "a short password is refused");
    let ban = deployment.cli(&["player", "ban", "ada", "--reason", "aimbot"]);
    assert!(
        ban.status.success(),
        "{}",
        String::from_utf8_lossy(&ban.stderr)
    );

    let login = json!({"name": "root", "password": PASSWORD});
    let (status, answer) = node
        .call("POST", "/admin/v1/login", None, Some(login))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["operator"]["role"], "admin");
    let token = answer["access_token"].as_str().unwrap().to_owned();
    let (status, page) = node
        .call("GET", "/admin/v1/audit", Some(&token), None)
        .await;
    assert_eq!(status, 200, "{page}");
    let actions: Vec<(&str, &str)> = page["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["actor"].as_str().unwrap(), l["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("root", "operator.login"),
            ("cli", "player.ban"),
            ("cli", "operator.add")
        ],
        "newest first"
    );
    assert_eq!(page["lines"][1]["target"], ada.as_str());
    assert_eq!(page["lines"][1]["reason"], "aimbot");

    let enrolled = deployment.cli(&["operator", "totp", "root"]);
    assert!(
        enrolled.status.success(),
        "{}",
        String::from_utf8_lossy(&enrolled.stderr)
    );
    let uri = String::from_utf8(enrolled.stdout).unwrap();
    assert!(
        uri.starts_with("otpauth://totp/rally%3Aroot?secret="),
        "{uri}"
    );
    let login = json!({"name": "root", "password": PASSWORD});
    let (status, asked) = node
        .call("POST", "/admin/v1/login", None, Some(login))
        .await;
    assert_eq!(
        (status, asked["code"].as_str()),
        (401, Some("totp_required"))
    );

    let disabled = deployment.cli(&["operator", "disable", "root"]);
    assert!(
        disabled.status.success(),
        "{}",
        String::from_utf8_lossy(&disabled.stderr)
    );
    let (status, refused) = node.call("GET", "/admin/v1/me", Some(&token), None).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (401, Some("invalid_token"))
    );
    let login = json!({"name": "root", "password": PASSWORD});
    let (status, _) = node
        .call("POST", "/admin/v1/login", None, Some(login))
        .await;
    assert_eq!(status, 401);
    let listed = deployment.cli(&["operator", "list"]);
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert!(listed[0]["disabled_at"].is_string(), "{listed}");
}
