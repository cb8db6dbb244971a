#![allow(clippy::unwrap_used, clippy::result_large_err)] // figment::Jail closures return its large error type

use figment::Jail;

use super::*;

fn load_in(jail: &Jail) -> Result<Settings, SettingsError> {
    let _ = jail;
    Settings::load(None, &[])
}

#[test]
fn defaults_listen_on_localhost_8080_with_embedded_backends() {
    Jail::expect_with(|jail| {
        let settings = load_in(jail).unwrap();
        assert_eq!(settings.node.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(settings.node.data_dir, PathBuf::from("./rally-data"));
        assert!(settings.node.database_url.is_none() && settings.node.redis_url.is_none());
        assert!(settings.database().expose().starts_with("sqlite://"));
        assert_eq!(settings.node.roles, Roles::all());
        Ok(())
    });
}

#[test]
fn a_port_that_is_not_a_port_names_the_key_and_the_variable() {
    Jail::expect_with(|jail| {
        jail.set_env("RALLY_LISTEN", "notaport");
        let message = load_in(jail).unwrap_err().to_string();
        assert!(message.contains("`listen`"), "{message}");
        assert!(message.contains("RALLY_LISTEN"), "{message}");
        Ok(())
    });
}

#[test]
fn layers_apply_in_order_file_then_environment_then_flags() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "rally.toml",
            "listen = \"127.0.0.1:9000\"\nlog_level = \"debug\"\nnamespace = \"fromfile\"\n",
        )?;
        jail.set_env("RALLY_LOG_LEVEL", "warn");
        jail.set_env("RALLY_NAMESPACE", "fromenv");
        let settings = Settings::load(None, &[("namespace", "fromflag".into())]).unwrap();
        assert_eq!(settings.node.listen.port(), 9000);
        assert_eq!(settings.telemetry.log_level, "warn");
        assert_eq!(settings.node.namespace, "fromflag");
        Ok(())
    });
}

#[test]
fn a_queue_in_the_file_takes_its_party_rules_and_quality_weights_as_the_readme_writes_them() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "rally.toml",
            "[queues.ranked]\nteams = 2\nteam_size = 3\nmax_party_size = 3\n\
             rating_system = \"Glicko2\"\nparty_rule = { TopWeighted = 0.25 }\n\
             premade_bonus = 20.0\ntarget_wait_ms = 20000\n",
        )?;
        let settings = load_in(jail).unwrap();
        let queues = settings.queue_configs().unwrap();
        let (_, ranked) = queues.iter().find(|(m, _)| m.as_str() == "ranked").unwrap();
        let rating = ranked.ticket_rating([1500.0, 1600.0, 1800.0].into_iter());
        assert!((rating - 1715.0).abs() < 1e-9, "{rating}");
        assert_eq!(ranked.target_wait_ms, Some(20_000));
        jail.create_file(
            "rally.toml",
            "[queues.ranked]\nmax_wait_ms = 60000\ntarget_wait_ms = 60000\n",
        )?;
        let message = load_in(jail).unwrap_err().to_string();
        assert!(message.contains("target_wait_ms"), "{message}");
        jail.create_file("rally.toml", "[queues.ranked]\npremade_bonus = -5.0\n")?;
        let message = load_in(jail).unwrap_err().to_string();
        assert!(message.contains("premade_bonus"), "{message}");
        // Weights must sum to 1: raising one alone is refused, naming the key.
        jail.create_file(
            "rally.toml",
            "[queues.ranked]\nquality_weights = { parties = 0.3 }\n",
        )?;
        let message = load_in(jail).unwrap_err().to_string();
        assert!(message.contains("quality_weights"), "{message}");
        jail.create_file(
            "rally.toml",
            "[queues.ranked]\nquality_weights = { fairness = 0.3, spread = 0.2, latency = 0.1, \
             roles = 0.1, parties = 0.3 }\n",
        )?;
        let settings = load_in(jail).unwrap();
        let queues = settings.queue_configs().unwrap();
        let (_, ranked) = queues.iter().find(|(m, _)| m.as_str() == "ranked").unwrap();
        assert!((ranked.quality_weights.parties - 0.3).abs() < 1e-12);
        Ok(())
    });
}

#[test]
fn an_unknown_key_in_the_file_is_refused() {
    Jail::expect_with(|jail| {
        jail.create_file("rally.toml", "lisen = \"127.0.0.1:9000\"\n")?;
        let message = load_in(jail).unwrap_err().to_string();
        assert!(message.contains("lisen"), "{message}");
        Ok(())
    });
}

#[test]
fn a_named_config_file_that_does_not_exist_is_an_error() {
    Jail::expect_with(|_| {
        let error = Settings::load(Some(Path::new("missing.toml")), &[]).unwrap_err();
        assert!(matches!(error, SettingsError::MissingFile(_)));
        Ok(())
    });
}

#[test]
fn a_database_url_of_an_unknown_kind_is_refused() {
    Jail::expect_with(|jail| {
        jail.set_env("RALLY_DATABASE_URL", "mysql://root@localhost/rally");
        let message = load_in(jail).unwrap_err().to_string();
        assert!(message.contains("database_url"), "{message}");
        Ok(())
    });
}

#[test]
fn roles_come_from_a_comma_separated_variable() {
    Jail::expect_with(|jail| {
        jail.set_env("RALLY_ROLES", "api,ratings");
        let settings = load_in(jail).unwrap();
        assert!(settings.node.roles.contains(Role::Ratings));
        assert!(!settings.node.roles.contains(Role::Matchmaker));
        Ok(())
    });
}

#[test]
fn printing_the_settings_redacts_secrets_and_passwords() {
    Jail::expect_with(|jail| {
        jail.set_env(
            "RALLY_SERVER_KEY",
            "a-very-secret-game-server-key-0123456789",
        );
        jail.set_env("RALLY_DATABASE_URL", "postgres://rally:pw1234@db/rally");
        let settings = load_in(jail).unwrap();
        let printed = serde_json::to_string(&settings).unwrap();
        assert!(!printed.contains("a-very-secret"), "{printed}");
        assert!(!printed.contains("pw1234"), "{printed}");
        assert!(printed.contains(REDACTED));
        Ok(())
    });
}

#[test]
fn development_generates_secrets_once_and_keeps_them_across_restarts() {
    Jail::expect_with(|jail| {
        jail.set_env("RALLY_DATA_DIR", "data");
        let settings = load_in(jail).unwrap();
        let first = Secrets::resolve(&settings).unwrap();
        let second = Secrets::resolve(&settings).unwrap();
        assert_eq!(first.token_signing_key, second.token_signing_key);
        assert_eq!(first.server_key, second.server_key);
        assert!(!first.token_signing_key.is_weak());
        assert_ne!(first.token_signing_key, first.session_token_key);
        assert!(Path::new("data").join(secrets::SECRETS_FILE).exists());
        Ok(())
    });
}

#[test]
fn production_refuses_to_start_without_strong_secrets() {
    Jail::expect_with(|jail| {
        jail.set_env("RALLY_ENV", "production");
        jail.set_env("RALLY_TOKEN_SIGNING_KEY", "changeme");
        let settings = load_in(jail).unwrap();
        let message = Secrets::resolve(&settings).unwrap_err().to_string();
        assert!(message.contains("token_signing_key` is weak"), "{message}");
        assert!(message.contains("RALLY_SESSION_TOKEN_KEY"), "{message}");
        assert!(message.contains("RALLY_SERVER_KEY"), "{message}");
        assert!(!message.contains("changeme"), "{message}");
        Ok(())
    });
}

#[test]
fn production_starts_with_configured_strong_secrets() {
    Jail::expect_with(|jail| {
        jail.set_env("RALLY_ENV", "production");
        jail.set_env(
            "RALLY_TOKEN_SIGNING_KEY",
            "Q7f2Lk9xPz3Vb8Nc1Md4Rt6Yw0Ue5Io2",
        );
        jail.set_env(
            "RALLY_SESSION_TOKEN_KEY",
            "H3j8Kd1Ls6Pq9Wz2Xc5Vb7Nm0Ar4Te8Y",
        );
        jail.set_env("RALLY_SERVER_KEY", "Z9x8C7v6B5n4M3a2S1d0F9g8H7j6K5l4");
        let settings = load_in(jail).unwrap();
        let secrets = Secrets::resolve(&settings).unwrap();
        assert_eq!(
            secrets.server_key.expose(),
            "Z9x8C7v6B5n4M3a2S1d0F9g8H7j6K5l4"
        );
        assert!(
            !Path::new("rally-data").exists(),
            "production writes no secrets file"
        );
        Ok(())
    });
}

/// Three strong keys, distinct from each other.
const TOKEN_KEY: &str = "Q7f2Lk9xPz3Vb8Nc1Md4Rt6Yw0Ue5Io2";
const SESSION_KEY: &str = "H3j8Kd1Ls6Pq9Wz2Xc5Vb7Nm0Ar4Te8Y";
const SERVER_KEY: &str = "Z9x8C7v6B5n4M3a2S1d0F9g8H7j6K5l4";

#[test]
fn production_refuses_weak_former_keys() {
    Jail::expect_with(|jail| {
        jail.set_env("RALLY_ENV", "production");
        jail.set_env("RALLY_TOKEN_SIGNING_KEY", TOKEN_KEY);
        jail.set_env("RALLY_SESSION_TOKEN_KEY", SESSION_KEY);
        jail.set_env("RALLY_SERVER_KEY", SERVER_KEY);
        for key in [
            "RALLY_PREVIOUS_TOKEN_SIGNING_KEYS",
            "RALLY_PREVIOUS_SESSION_TOKEN_KEYS",
        ] {
            jail.set_env(key, format!("{},old", "A1b2C3d4E5f6G7h8J9k0L1m2N3p4Q5r6"));
            let settings = load_in(jail).unwrap();
            let message = Secrets::resolve(&settings).unwrap_err().to_string();
            let name = key.trim_start_matches("RALLY_").to_ascii_lowercase();
            assert!(
                message.contains(&format!("1 of `{name}` weak")),
                "{message}"
            );
            assert!(!message.contains("old"), "{message}");
            jail.set_env(key, "");
        }
        Ok(())
    });
}

#[test]
fn production_refuses_one_key_for_two_kinds() {
    Jail::expect_with(|jail| {
        let cases = [
            // The server key also signs access tokens.
            [("RALLY_SERVER_KEY", TOKEN_KEY)],
            // A former signing key is now the session-token key.
            [("RALLY_PREVIOUS_TOKEN_SIGNING_KEYS", SESSION_KEY)],
            // A former session-token key is the server key.
            [("RALLY_PREVIOUS_SESSION_TOKEN_KEYS", SERVER_KEY)],
        ];
        for case in cases {
            jail.clear_env();
            jail.set_env("RALLY_ENV", "production");
            jail.set_env("RALLY_TOKEN_SIGNING_KEY", TOKEN_KEY);
            jail.set_env("RALLY_SESSION_TOKEN_KEY", SESSION_KEY);
            jail.set_env("RALLY_SERVER_KEY", SERVER_KEY);
            for (key, value) in case {
                jail.set_env(key, value);
            }
            let settings = load_in(jail).unwrap();
            let message = Secrets::resolve(&settings).unwrap_err().to_string();
            assert!(
                message.contains("each kind needs its own"),
                "{case:?}: {message}"
            );
            for secret in [TOKEN_KEY, SESSION_KEY, SERVER_KEY] {
                assert!(!message.contains(secret), "{message}");
            }
        }
        Ok(())
    });
}

#[cfg(unix)]
#[test]
fn generated_secrets_live_in_a_private_directory() {
    use std::os::unix::fs::PermissionsExt;
    Jail::expect_with(|jail| {
        jail.set_env("RALLY_DATA_DIR", "fresh/data");
        let settings = load_in(jail).unwrap();
        Secrets::resolve(&settings).unwrap();
        let mode = |path: &str| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode("fresh/data"), 0o700);
        assert_eq!(mode("fresh/data/secrets.toml"), 0o600);
        Ok(())
    });
}

#[test]
fn printing_the_settings_redacts_passwords_in_query_strings() {
    Jail::expect_with(|jail| {
        jail.set_env("RALLY_DATABASE_URL", "postgres://db/rally?password=pw1234");
        jail.set_env("RALLY_REDIS_URL", "redis://cache:6379/0?password=pw5678");
        jail.set_env("RALLY_OTLP_ENDPOINT", "http://collector:4318?token=pw9012");
        let settings = load_in(jail).unwrap();
        let printed = serde_json::to_string(&settings).unwrap();
        for secret in ["pw1234", "pw5678", "pw9012"] {
            assert!(!printed.contains(secret), "{printed}");
        }
        jail.set_env("RALLY_DATABASE_URL", "host=db password=pw1234");
        let message = load_in(jail).unwrap_err().to_string();
        assert!(message.contains("database_url"), "{message}");
        assert!(!message.contains("pw1234"), "{message}");
        Ok(())
    });
}

#[test]
fn lists_come_from_a_comma_separated_value_or_an_array() {
    Jail::expect_with(|jail| {
        jail.set_env("RALLY_REGIONS", "eu,asia, sa");
        jail.set_env("RALLY_TRUSTED_PROXIES", "[10.0.0.2, \"::1\"]");
        jail.set_env("RALLY_MATCHMAKER_REGIONS", "asia,sa");
        let settings = load_in(jail).unwrap();
        assert_eq!(settings.accounts.regions, ["eu", "asia", "sa"]);
        assert_eq!(settings.matchmaking.matchmaker_regions, ["asia", "sa"]);
        let asia = rally_engine::Region::new("asia").unwrap();
        let eu = rally_engine::Region::new("eu").unwrap();
        assert!(settings.matchmaking.takes_region(asia) && !settings.matchmaking.takes_region(eu));
        // A region no queue has is refused, naming the key.
        jail.set_env("RALLY_MATCHMAKER_REGIONS", "mars");
        let message = load_in(jail).unwrap_err().to_string();
        assert!(message.contains("matchmaker_regions"), "{message}");
        jail.set_env("RALLY_MATCHMAKER_REGIONS", "");
        assert!(settings.is_trusted_proxy("10.0.0.2".parse().unwrap()));
        assert!(settings.is_trusted_proxy("::1".parse().unwrap()));
        let flag = Settings::load(None, &[("trusted_proxies", "192.0.2.10".into())]).unwrap();
        assert!(flag.is_trusted_proxy("192.0.2.10".parse().unwrap()));
        Ok(())
    });
}

#[test]
fn account_settings_out_of_range_are_refused_naming_the_key() {
    Jail::expect_with(|jail| {
        for (key, value) in [
            ("RALLY_REGIONS", "EU"),
            ("RALLY_ACCESS_TOKEN_TTL_S", "5"),
            ("RALLY_LOGIN_LIMIT_PER_MINUTE", "0"),
            ("RALLY_BODY_LIMIT_BYTES", "10"),
        ] {
            jail.clear_env();
            jail.set_env(key, value);
            let message = load_in(jail).unwrap_err().to_string();
            let name = key.trim_start_matches("RALLY_").to_ascii_lowercase();
            assert!(message.contains(&name), "{key}: {message}");
        }
        Ok(())
    });
}

#[test]
fn a_trace_sample_ratio_outside_zero_to_one_is_refused() {
    Jail::expect_with(|jail| {
        jail.set_env("RALLY_TRACE_SAMPLE_RATIO", "0.25");
        assert_eq!(load_in(jail).unwrap().telemetry.trace_sample_ratio, 0.25);
        jail.set_env("RALLY_TRACE_SAMPLE_RATIO", "1.5");
        let message = load_in(jail).unwrap_err().to_string();
        assert!(message.contains("trace_sample_ratio"), "{message}");
        Ok(())
    });
}

#[test]
fn decline_cooldowns_escalate_from_the_file_or_the_environment_and_repeat_the_last() {
    Jail::expect_with(|jail| {
        let settings = load_in(jail).unwrap();
        let cooldown = |s: &Settings, n| s.sessions.decline_cooldown(n).as_secs();
        assert_eq!(
            (1..=4).map(|n| cooldown(&settings, n)).collect::<Vec<_>>(),
            vec![60, 300, 1800, 1800]
        );
        jail.create_file(
            "rally.toml",
            "decline_cooldowns_s = [30, 90]\n[queues.ranked]\naccept_timeout_ms = 15000\n",
        )?;
        let settings = load_in(jail).unwrap();
        assert_eq!(cooldown(&settings, 2), 90);
        let queues = settings.queue_configs().unwrap();
        let (_, ranked) = queues.iter().find(|(m, _)| m.as_str() == "ranked").unwrap();
        assert_eq!(ranked.accept_timeout_ms, Some(15_000));
        jail.set_env("RALLY_DECLINE_COOLDOWNS_S", "10, 20,40");
        let settings = load_in(jail).unwrap();
        assert_eq!(cooldown(&settings, 3), 40);
        jail.set_env("RALLY_DECLINE_COOLDOWNS_S", "10,soon");
        let message = load_in(jail).unwrap_err().to_string();
        assert!(message.contains("decline_cooldowns_s"), "{message}");
        jail.set_env("RALLY_DECLINE_COOLDOWNS_S", "");
        let message = load_in(jail).unwrap_err().to_string();
        assert!(message.contains("decline_cooldowns_s"), "{message}");
        Ok(())
    });
}
