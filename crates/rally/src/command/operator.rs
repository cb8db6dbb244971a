//! `rally operator add|totp|list|disable`: the studio's operators, managed on the server itself.
//! `add` reads the password from `RALLY_OPERATOR_PASSWORD`, or else the first line of standard
//! input, so it never shows in the process list or the shell's history. Each change is a line
//! of the audit log, by `cli`.

use std::{io::BufRead, io::Write, path::Path, process::ExitCode};

use rally_server::{
    Settings,
    accounts::password::Hasher,
    backends::Backends,
    operators::{self, Actor, Totp},
};
use rally_store::OperatorRole;

/// Where `add` reads the password first.
const PASSWORD_VAR: &str = "RALLY_OPERATOR_PASSWORD";

/// An operator's role, as the command line names it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Role {
    /// Everything.
    Admin,
    /// Players, reports, appeals and sanctions.
    Moderator,
    /// Reading only.
    Viewer,
}

/// What `rally operator` does.
#[derive(Debug, clap::Subcommand)]
pub enum Operator {
    /// Add an operator (password from RALLY_OPERATOR_PASSWORD or standard input, 12 to 128
    /// characters).
    Add {
        /// Their login name (3 to 32 letters, digits, `_`, `-` or `.`).
        name: String,
        /// What they may do.
        #[arg(long, value_enum)]
        role: Role,
        /// Give them a second factor: prints the `otpauth://` URI to enrol in an authenticator
        /// app (shown this once).
        #[arg(long)]
        totp: bool,
    },
    /// Give an operator a new second factor (replacing theirs): prints the `otpauth://` URI to
    /// enrol in an authenticator app (shown this once).
    Totp {
        /// Their login name.
        name: String,
    },
    /// List the operators as JSON.
    List,
    /// Disable an operator: they can no longer log in, and their tokens stop working at once.
    Disable {
        /// Their login name.
        name: String,
    },
}

/// Runs `rally operator …` against the configured store.
pub async fn run(config: Option<&Path>, command: Operator) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(config, &[])?;
    let backends = Backends::connect(&settings, &rally_clock::Clock::system()).await?;
    backends.store.migrate().await?;
    let store = &backends.store;
    match command {
        Operator::Add { name, role, totp } => {
            let password = password()?;
            let role = match role {
                Role::Admin => OperatorRole::Admin,
                Role::Moderator => OperatorRole::Moderator,
                Role::Viewer => OperatorRole::Viewer,
            };
            let hasher = Hasher::for_this_machine();
            let totp = totp.then(Totp::generate);
            let added = operators::add(
                store,
                &hasher,
                &name,
                role,
                password,
                totp.as_ref(),
                &Actor::cli(),
            )
            .await?;
            eprintln!("rally: operator {} added as {}", added.name, role.as_str());
            if let Some(totp) = totp {
                print_enrolment(&settings, &added.name, &totp)?;
            }
        }
        Operator::Totp { name } => {
            let totp = operators::enrol_totp(store, &name, &Actor::cli()).await?;
            print_enrolment(&settings, &name, &totp)?;
        }
        Operator::List => {
            let listed: Vec<_> = store
                .operators()
                .await?
                .iter()
                .map(|o| {
                    serde_json::json!({
                        "id": o.id,
                        "name": o.name,
                        "role": o.role.as_str(),
                        "created_at": o.created_at.to_offset_date_time().to_string(),
                        "disabled_at": o.disabled_at.map(|t| t.to_offset_date_time().to_string()),
                    })
                })
                .collect();
            let mut out = std::io::stdout();
            out.write_all(serde_json::to_string_pretty(&listed)?.as_bytes())?;
            out.write_all(b"\n")?;
        }
        Operator::Disable { name } => {
            if operators::disable(store, &name, &Actor::cli()).await? {
                eprintln!("rally: operator {name} disabled");
            } else {
                eprintln!("rally: operator {name} was disabled already");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the URI an authenticator app enrols `name`'s second factor from.
fn print_enrolment(settings: &Settings, name: &str, totp: &Totp) -> anyhow::Result<()> {
    let uri = totp.uri(&settings.accounts.token_issuer, name);
    let mut out = std::io::stdout();
    out.write_all(uri.as_bytes())?;
    out.write_all(b"\n")?;
    eprintln!("rally: enrol this in {name}'s authenticator app; it is not shown again");
    Ok(())
}

/// The new operator's password: the variable's, or the first line of standard input.
fn password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var(PASSWORD_VAR) {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
