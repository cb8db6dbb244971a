//! `rally player ban|unban|show NAME`: an operator's hand on one player. A ban takes effect on
//! every node within about a second: sockets closed (4003), ticket cancelled, party left,
//! refresh tokens refused. Each ban and unban is a line of the audit log, by `cli`.

use std::{io::Write, path::Path, process::ExitCode, time::Duration};

use rally_server::{Settings, accounts::ban, backends::Backends, operators::Actor};

/// What `rally player` does.
#[derive(Debug, clap::Subcommand)]
pub enum Player {
    /// Ban a player: permanently, or `--for` a while (`30m`, `12h`, `7d`, `2w`).
    Ban {
        /// The player's username.
        name: String,
        /// How long the ban lasts; permanent without it.
        #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
        duration: Option<Duration>,
        /// Why: kept with the ban for the record (1 to 500 characters).
        #[arg(long)]
        reason: String,
    },
    /// Lift a player's ban.
    Unban {
        /// The player's username.
        name: String,
    },
    /// Print a player's account and ban as JSON.
    Show {
        /// The player's username.
        name: String,
    },
}

/// Runs `rally player …` against the configured backends.
pub async fn run(config: Option<&Path>, command: Player) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(config, &[])?;
    let backends = Backends::connect(&settings, &rally_clock::Clock::system()).await?;
    backends.store.migrate().await?;
    let store = &backends.store;
    match command {
        Player::Ban {
            name,
            duration,
            reason,
        } => {
            let player = ban::find(store, &name).await?;
            let ban = ban::ban(store, player.id, duration, &reason, &Actor::cli()).await?;
            match ban.until {
                Some(until) => eprintln!(
                    "rally: {} is banned until {}",
                    player.username,
                    until.to_offset_date_time()
                ),
                None => eprintln!("rally: {} is banned permanently", player.username),
            }
        }
        Player::Unban { name } => {
            let player = ban::find(store, &name).await?;
            if ban::unban(store, &backends.state, player.id, &Actor::cli(), None).await? {
                eprintln!("rally: {} is no longer banned", player.username);
            } else {
                eprintln!("rally: {} was not banned", player.username);
            }
        }
        Player::Show { name } => {
            let player = ban::find(store, &name).await?;
            let ban = ban::of(store, player.id).await?;
            let shown = serde_json::json!({
                "id": player.id,
                "username": player.username,
                "display_name": player.display_name,
                "region": player.region,
                "status": player.status.as_str(),
                "created_at": player.created_at.to_offset_date_time().to_string(),
                "ban": ban.map(|ban| serde_json::json!({
                    "reason": ban.reason,
                    "until": ban.until.map(|t| t.to_offset_date_time().to_string()),
                    "since": ban.created_at.to_offset_date_time().to_string(),
                })),
            });
            let mut out = std::io::stdout();
            out.write_all(serde_json::to_string_pretty(&shown)?.as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A duration as `<number><unit>`, the unit one of `s`, `m`, `h`, `d`, `w`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("`{text}` has no unit: use s, m, h, d or w"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` does not start with a number"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(format!("`{unit}` is not a unit: use s, m, h, d or w")),
    };
    let total = number
        .checked_mul(seconds)
        .filter(|&s| s > 0 && s <= 100 * 365 * 86_400)
        .ok_or_else(|| format!("`{text}` must be between 1 s and 100 years"))?;
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_their_unit() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration("2w"), Ok(Duration::from_secs(14 * 86_400)));
        for bad in ["", "7", "d", "0h", "7y", "-1d", "99999999999999w"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
