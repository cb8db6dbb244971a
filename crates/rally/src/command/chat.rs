//! `rally chat reports|delete`: a moderator's hand on chat. `reports` prints the newest reports,
//! each with the text reported and the message as it is now; `delete` removes a message from history for everyone (its
//! channel's players are told, through whichever node holds their socket).

use std::{io::Write, path::Path, process::ExitCode};

use rally_server::{
    Settings,
    backends::Backends,
    chat::{self, Chat, WordFilter},
};
use uuid::Uuid;

/// What `rally chat` does.
#[derive(Debug, clap::Subcommand)]
pub enum ChatCommand {
    /// Print the newest reports of chat messages as JSON, each with the text reported and the
    /// message as it is now.
    Reports {
        /// How many (1 to 1000).
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Delete a message, whoever sent it: gone from history for everyone.
    Delete {
        /// The message's id.
        message_id: Uuid,
    },
}

/// Runs `rally chat …` against the configured backends.
pub async fn run(config: Option<&Path>, command: ChatCommand) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(config, &[])?;
    let backends = Backends::connect(&settings, &rally_clock::Clock::system()).await?;
    backends.store.migrate().await?;
    match command {
        ChatCommand::Reports { limit } => {
            anyhow::ensure!((1..=1000).contains(&limit), "--limit must be 1 to 1000");
            let reports = backends.store.chat_reports(limit).await?;
            let shown: Vec<_> = reports
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "report_id": r.id,
                        "reporter_id": r.reporter_id,
                        "reason": r.reason,
                        "reported_body": r.reported_body,
                        "reported_at": r.reported_at.to_offset_date_time().to_string(),
                        "message": {
                            "id": r.message.id,
                            "channel": r.message.channel,
                            "sender_id": r.message.sender_id,
                            "sender_name": r.message.sender_name,
                            "body": r.message.body,
                            "sent_at": r.message.created_at.to_offset_date_time().to_string(),
                            "deleted": r.message.deleted_at.is_some(),
                        },
                    })
                })
                .collect();
            let mut out = std::io::stdout();
            out.write_all(serde_json::to_string_pretty(&shown)?.as_bytes())?;
            out.write_all(b"\n")?;
        }
        ChatCommand::Delete { message_id } => {
            let chat = Chat::new(
                backends.store.clone(),
                backends.state.clone(),
                settings.chat.clone(),
                WordFilter::default(),
            );
            chat::moderate(&chat, message_id).await?;
            eprintln!("rally: message {message_id} deleted");
        }
    }
    Ok(ExitCode::SUCCESS)
}
