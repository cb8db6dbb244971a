//! Refresh tokens as the client sees them: 256 random bits in base64url (no padding). The
//! store keeps only their SHA-256, so a leaked database holds no usable token.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The length of a token's text: 32 bytes in base64url without padding.
const TEXT_LEN: usize = 43;

/// A fresh refresh token: its text (for the client) and its hash (for the store).
pub fn generate() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let text = URL_SAFE_NO_PAD.encode(bytes);
    let hash = Sha256::digest(text.as_bytes()).to_vec();
    (text, hash)
}

/// The hash of a token presented by a client, or `None` when it cannot be one of ours.
pub fn hash(text: &str) -> Option<Vec<u8>> {
    let decoded = (text.len() == TEXT_LEN)
        .then(|| URL_SAFE_NO_PAD.decode(text).ok())
        .flatten()?;
    (decoded.len() == 32).then(|| Sha256::digest(text.as_bytes()).to_vec())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_token_hashes_to_the_hash_stored_for_it() {
        let (text, stored) = generate();
        assert_eq!(text.len(), TEXT_LEN);
        assert_eq!(hash(&text).unwrap(), stored);
        assert_ne!(generate().0, text);
    }

    #[test]
    fn text_that_cannot_be_a_token_has_no_hash() {
        assert!(hash("").is_none());
        assert!(hash("short").is_none());
        assert!(hash(&"!".repeat(TEXT_LEN)).is_none());
        assert!(hash("' OR '1'='1").is_none());
    }
}
