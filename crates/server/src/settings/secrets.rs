//! The node's secrets, resolved from configuration or, outside production, from a file of
//! generated keys in the data directory (so restarts keep tokens and sessions valid).

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

use figment::{
    Figment,
    providers::{Format, Toml},
};
use rand::RngCore;
use serde::Deserialize;

use super::{Environment, Secret, Settings, SettingsError};

/// The name of the generated-secrets file inside the data directory.
pub const SECRETS_FILE: &str = "secrets.toml";

/// Every secret a node needs, each present and, in production, strong.
#[derive(Debug, Clone)]
pub struct Secrets {
    /// Signs players' access tokens.
    pub token_signing_key: Secret,
    /// The HMAC key of game-session tokens.
    pub session_token_key: Secret,
    /// What game servers authenticate with.
    pub server_key: Secret,
}

#[derive(Debug, Default, Deserialize)]
struct Generated {
    token_signing_key: Option<Secret>,
    session_token_key: Option<Secret>,
    server_key: Option<Secret>,
}

impl Secrets {
    /// Resolves the secrets for `settings`.
    ///
    /// In production every secret must be configured and strong, or this fails naming each one
    /// that is not. Elsewhere a missing secret is taken from `<data_dir>/secrets.toml`, generated
    /// (256 random bits) and written there with owner-only permissions on first start.
    pub fn resolve(settings: &Settings) -> Result<Self, SettingsError> {
        let configured = [
            ("token_signing_key", &settings.token_signing_key),
            ("session_token_key", &settings.session_token_key),
            ("server_key", &settings.server_key),
        ];
        if settings.env == Environment::Production {
            let problems: Vec<String> = configured
                .iter()
                .filter_map(|(key, secret)| match secret {
                    None => Some(format!("`{key}` is not set (RALLY_{})", key.to_ascii_uppercase())),
                    Some(s) if s.is_weak() => Some(format!(
                        "`{key}` is weak (use at least 32 random bytes, e.g. `openssl rand -hex 32`)"
                    )),
                    Some(_) => None,
                })
                .collect();
            if !problems.is_empty() {
                return Err(SettingsError::InsecureSecrets(problems.join("; ")));
            }
        }
        if configured.iter().all(|(_, s)| s.is_some()) {
            return Ok(Self::from_parts(
                settings.token_signing_key.clone(),
                settings.session_token_key.clone(),
                settings.server_key.clone(),
            ));
        }

        let path = settings.data_dir.join(SECRETS_FILE);
        let mut generated = read_generated(&path)?;
        let mut changed = false;
        for slot in [
            &mut generated.token_signing_key,
            &mut generated.session_token_key,
            &mut generated.server_key,
        ] {
            if slot.is_none() {
                *slot = Some(random_secret());
                changed = true;
            }
        }
        if changed {
            write_generated(&path, &generated)?;
        }
        Ok(Self::from_parts(
            settings
                .token_signing_key
                .clone()
                .or(generated.token_signing_key),
            settings
                .session_token_key
                .clone()
                .or(generated.session_token_key),
            settings.server_key.clone().or(generated.server_key),
        ))
    }

    fn from_parts(token: Option<Secret>, session: Option<Secret>, server: Option<Secret>) -> Self {
        Self {
            token_signing_key: token.expect("BUG: every secret is configured or generated"),
            session_token_key: session.expect("BUG: every secret is configured or generated"),
            server_key: server.expect("BUG: every secret is configured or generated"),
        }
    }
}

fn random_secret() -> Secret {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    Secret::new(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn read_generated(path: &Path) -> Result<Generated, SettingsError> {
    if !path.exists() {
        return Ok(Generated::default());
    }
    Figment::from(Toml::file_exact(path))
        .extract()
        .map_err(|error| SettingsError::Invalid(format!("{}: {error}", path.display())))
}

fn write_generated(path: &Path, generated: &Generated) -> Result<(), SettingsError> {
    let io_error = |source| SettingsError::SecretsFile {
        path: PathBuf::from(path),
        source,
    };
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io_error)?;
    }
    let mut text = String::from(
        "# Secrets Rally generated on first start (development only). Keep this file private;\n\
         # in production configure RALLY_TOKEN_SIGNING_KEY, RALLY_SESSION_TOKEN_KEY, RALLY_SERVER_KEY.\n",
    );
    for (key, secret) in [
        ("token_signing_key", &generated.token_signing_key),
        ("session_token_key", &generated.session_token_key),
        ("server_key", &generated.server_key),
    ] {
        if let Some(secret) = secret {
            text.push_str(&format!("{key} = \"{}\"\n", secret.expose()));
        }
    }
    let temporary = path.with_extension("toml.tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary).map_err(io_error)?;
    file.write_all(text.as_bytes()).map_err(io_error)?;
    file.sync_all().map_err(io_error)?;
    fs::rename(&temporary, path).map_err(io_error)
}
