//! `rally config`: print the effective configuration, secrets redacted.

use std::{io::Write, path::Path, process::ExitCode};

use rally_server::Settings;

/// Prints the settings as TOML, the format of `rally.toml`.
pub fn run(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(config, &[])?;
    let text = toml::to_string_pretty(&settings)?;
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
