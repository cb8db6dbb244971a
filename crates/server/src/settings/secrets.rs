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
            ("token_signing_key", &settings.keys.token_signing_key),
            ("session_token_key", &settings.keys.session_token_key),
            ("server_key", &settings.keys.server_key),
        ];
        if settings.node.env == Environment::Production {
            production_check(settings)?;
        }
        if configured.iter().all(|(_, s)| s.is_some()) {
            return Ok(Self::from_parts(
                settings.keys.token_signing_key.clone(),
                settings.keys.session_token_key.clone(),
                settings.keys.server_key.clone(),
            ));
        }

        let path = settings.node.data_dir.join(SECRETS_FILE);
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
                .keys
                .token_signing_key
                .clone()
                .or(generated.token_signing_key),
            settings
                .keys
                .session_token_key
                .clone()
                .or(generated.session_token_key),
            settings.keys.server_key.clone().or(generated.server_key),
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

/// Production's rules: every secret configured and strong, former keys as strong as current
/// ones, and no key shared between two kinds. The server key goes to every game-server
/// operator; if it also signed access tokens or session tokens, any of them could forge those.
fn production_check(settings: &Settings) -> Result<(), SettingsError> {
    let mut problems = Vec::new();
    let current = [
        ("token_signing_key", &settings.keys.token_signing_key),
        ("session_token_key", &settings.keys.session_token_key),
        ("server_key", &settings.keys.server_key),
    ];
    for (key, secret) in current {
        match secret {
            None => problems.push(format!(
                "`{key}` is not set (RALLY_{})",
                key.to_ascii_uppercase()
            )),
            Some(s) if s.is_weak() => problems.push(format!("`{key}` is weak ({STRONG})")),
            Some(_) => {}
        }
    }
    let former = [
        (
            "previous_token_signing_keys",
            &settings.keys.previous_token_signing_keys,
        ),
        (
            "previous_session_token_keys",
            &settings.keys.previous_session_token_keys,
        ),
    ];
    for (key, secrets) in former {
        let weak = secrets.iter().filter(|s| s.is_weak()).count();
        if weak > 0 {
            problems.push(format!("{weak} of `{key}` weak ({STRONG})"));
        }
    }
    // Each key with the kind it belongs to; a value seen under two kinds is refused.
    let kinds: [(&str, Vec<&Secret>); 3] = [
        (
            "token signing",
            settings
                .keys
                .token_signing_key
                .iter()
                .chain(&settings.keys.previous_token_signing_keys)
                .collect(),
        ),
        (
            "session token",
            settings
                .keys
                .session_token_key
                .iter()
                .chain(&settings.keys.previous_session_token_keys)
                .collect(),
        ),
        ("server", settings.keys.server_key.iter().collect()),
    ];
    for (i, (first, keys)) in kinds.iter().enumerate() {
        for (second, others) in &kinds[i + 1..] {
            if keys.iter().any(|k| others.contains(k)) {
                problems.push(format!(
                    "a {first} key is also a {second} key: each kind needs its own"
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SettingsError::InsecureSecrets(problems.join("; ")))
    }
}

/// How to make a strong key, for the refusal messages.
const STRONG: &str = "use at least 32 random bytes, e.g. `openssl rand -hex 32`";

fn random_secret() -> Secret {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    Secret::new(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn read_generated(path: &Path) -> Result<Generated, SettingsError> {
    if !path.exists() {
        return Ok(Generated::default());
    }
    warn_if_shared(path);
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
        create_private_dir(dir).map_err(io_error)?;
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

/// Creates `dir` and its missing parents readable by the owner only (0700 on Unix): the data
/// directory holds the database and the generated keys. An existing directory is left as it is.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Warns when the secrets file can be read by other users of the machine: they could sign
/// access tokens with its keys.
fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    if let Ok(metadata) = fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{:o}", mode & 0o777),
                "the secrets file is readable by other users; run `chmod 600` on it"
            );
        }
    }
}
