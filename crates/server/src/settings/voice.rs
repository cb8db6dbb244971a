//! The voice settings: the provider, and what each needs.

use super::{Settings, SettingsError, VoiceProviderKind};

impl Settings {
    pub(super) fn validate_voice(&self) -> Result<(), SettingsError> {
        let invalid = |key: &str, why: &str| Err(SettingsError::Invalid(format!("`{key}`: {why}")));
        let v = &self.voice;
        if !(60..=86_400).contains(&v.voice_token_ttl_s) {
            return invalid("voice_token_ttl_s", "must be between 60 and 86400");
        }
        let web = |url: &Option<String>| {
            url.as_deref().is_some_and(|u| {
                u.starts_with("http://")
                    || u.starts_with("https://")
                    || u.starts_with("ws://")
                    || u.starts_with("wss://")
            })
        };
        match v.voice_provider {
            VoiceProviderKind::None => {}
            VoiceProviderKind::Livekit => {
                if !web(&v.voice_url) {
                    return invalid(
                        "voice_url",
                        "LiveKit needs its ws://, wss:// or https:// URL",
                    );
                }
                if v.livekit_api_key.as_deref().is_none_or(str::is_empty) {
                    return invalid("livekit_api_key", "LiveKit needs its API key");
                }
                if v.livekit_api_secret
                    .as_ref()
                    .is_none_or(|s| s.expose().is_empty())
                {
                    return invalid("livekit_api_secret", "LiveKit needs its API secret");
                }
            }
            VoiceProviderKind::Webhook => {
                let http = v
                    .voice_webhook_url
                    .as_deref()
                    .is_some_and(|u| u.starts_with("http://") || u.starts_with("https://"));
                if !http {
                    return invalid(
                        "voice_webhook_url",
                        "the webhook needs an http:// or https:// URL",
                    );
                }
            }
        }
        Ok(())
    }
}
