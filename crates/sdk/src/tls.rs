//! TLS for `wss://`: rustls with the platform's certificate verifier, so no native TLS library
//! is needed on any platform.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls_platform_verifier::BuilderVerifierExt;

use crate::error::{Error, Result};

/// A client configuration that trusts what the operating system trusts.
pub(crate) fn client_config() -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(BuilderVerifierExt::with_platform_verifier)
        .map_err(|e| Error::Transport(format!("TLS setup: {e}")))?
        .with_no_client_auth())
}
