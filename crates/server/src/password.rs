//! Password hashing with argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane), on a
//! blocking thread so a burst of logins never stalls the async runtime.

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

/// Memory cost in KiB (OWASP password storage cheat sheet: at least 19 MiB).
const MEMORY_KIB: u32 = 19 * 1024;
/// Passes over memory.
const PASSES: u32 = 2;
/// Parallel lanes.
const LANES: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .expect("BUG: the OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with a fresh random salt; returns the PHC string to store.
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        argon2()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("argon2 hashing failed: {error}"))
    })
    .await?
}

/// Whether `password` matches the stored PHC string `hash`.
pub async fn verify(password: String, hash: String) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        Ok(argon2()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok())
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let hash = hash("correct horse battery".into()).await.expect("hashes");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            verify("correct horse battery".into(), hash.clone())
                .await
                .expect("verifies")
        );
        assert!(
            !verify("wrong horse battery".into(), hash)
                .await
                .expect("verifies")
        );
    }
}
