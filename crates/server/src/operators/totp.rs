//! [`Totp`]: an operator's second factor, time-based one-time passwords as RFC 6238 defines
//! them with its defaults (HMAC-SHA1, 30-second steps, 6 digits), which every authenticator
//! app reads from an `otpauth://` URI. A code is accepted for the step it was made in and one
//! step either side (clock drift), and each step's code once: the last step used is kept per
//! operator, and a code of that step or an earlier one is refused (a code seen over a shoulder
//! cannot be replayed).

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Seconds per step.
const STEP_S: u64 = 30;
/// Digits per code.
const DIGITS: u32 = 6;
/// The secret's length, in bytes (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;

/// An operator's TOTP secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Totp {
    secret: Vec<u8>,
}

/// The secret never prints.
impl std::fmt::Debug for Totp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Totp(<redacted>)")
    }
}

impl Totp {
    /// A new random secret.
    pub fn generate() -> Self {
        let mut secret = vec![0; SECRET_BYTES];
        rand::fill(&mut secret[..]);
        Self { secret }
    }

    /// The secret as stored (base32, no padding); `None` for text that is not one.
    pub fn from_base32(text: &str) -> Option<Self> {
        let secret = data_encoding::BASE32_NOPAD.decode(text.as_bytes()).ok()?;
        (!secret.is_empty()).then_some(Self { secret })
    }

    /// The secret as stored and as authenticator apps take it: base32, no padding.
    pub fn to_base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.secret)
    }

    /// The `otpauth://` URI an authenticator app enrols from (shown once, to the operator).
    pub fn uri(&self, issuer: &str, name: &str) -> String {
        let label = format!("{issuer}:{name}");
        format!(
            "otpauth://totp/{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_S}",
            escape(&label),
            self.to_base32(),
            escape(issuer)
        )
    }

    /// The step of `unix_s`.
    pub fn step_of(unix_s: u64) -> u64 {
        unix_s / STEP_S
    }

    /// The code of `step`.
    pub fn code(&self, step: u64) -> u32 {
        let mut mac = Hmac::<Sha1>::new_from_slice(&self.secret)
            .expect("BUG: HMAC takes a key of any length");
        mac.update(&step.to_be_bytes());
        let hash = mac.finalize().into_bytes();
        let offset = usize::from(hash[hash.len() - 1] & 0x0f);
        let bits = u32::from_be_bytes([
            hash[offset] & 0x7f,
            hash[offset + 1],
            hash[offset + 2],
            hash[offset + 3],
        ]);
        bits % 10u32.pow(DIGITS)
    }

    /// The step `code` was made in, if it is one of `now`'s or a neighbour's and later than
    /// `used` (the last step accepted).
    pub fn accepts(&self, code: &str, now_unix_s: u64, used: Option<u64>) -> Option<u64> {
        let code = code.trim();
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let wanted: u32 = code.parse().ok()?;
        let now = Self::step_of(now_unix_s);
        [now.saturating_sub(1), now, now + 1]
            .into_iter()
            .filter(|step| used.is_none_or(|used| *step > used))
            .find(|step| constant_time_eq(self.code(*step), wanted))
    }
}

/// Whether two codes are equal, in a time that does not depend on where they differ.
fn constant_time_eq(a: u32, b: u32) -> bool {
    (a ^ b) == 0
}

/// `text` for a URI: unreserved characters as they are, the rest percent-encoded.
fn escape(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret and its codes (the last 6 of the 8 digits).
    #[test]
    fn codes_match_the_rfc_test_vectors() {
        let totp = Totp {
            secret: b"12345678901234567890".to_vec(),
        };
        for (time, code) in [
            (59, 287_082),
            (1_111_111_109, 81_804),
            (1_111_111_111, 50_471),
            (1_234_567_890, 5_924),
            (2_000_000_000, 279_037),
            (20_000_000_000, 353_130),
        ] {
            assert_eq!(totp.code(Totp::step_of(time)), code, "at {time}");
        }
    }

    #[test]
    fn a_code_is_accepted_a_step_either_side_once_and_never_before_the_last_used() {
        let totp = Totp::generate();
        let now = 1_800_000_000;
        let step = Totp::step_of(now);
        let at = |step: u64| format!("{:06}", totp.code(step));
        assert_eq!(totp.accepts(&at(step), now, None), Some(step));
        assert_eq!(totp.accepts(&at(step - 1), now, None), Some(step - 1));
        assert_eq!(totp.accepts(&at(step + 1), now, None), Some(step + 1));
        assert_eq!(totp.accepts(&at(step - 2), now, None), None, "too old");
        assert_eq!(totp.accepts(&at(step), now, Some(step)), None, "used once");
        assert_eq!(totp.accepts(&at(step - 1), now, Some(step - 1)), None);
        assert_eq!(totp.accepts(&at(step), now, Some(step - 1)), Some(step));
        for bad in ["", "12345", "1234567", "12a456"] {
            assert_eq!(totp.accepts(bad, now, None), None, "{bad:?}");
        }
    }

    #[test]
    fn the_secret_reads_back_and_the_uri_names_issuer_and_account() {
        let totp = Totp::generate();
        let text = totp.to_base32();
        assert_eq!(Totp::from_base32(&text), Some(totp.clone()));
        assert_eq!(Totp::from_base32("not base32!"), None);
        let uri = totp.uri("Rally", "root ops");
        assert!(
            uri.starts_with("otpauth://totp/Rally%3Aroot%20ops?secret="),
            "{uri}"
        );
        assert!(
            uri.contains(&format!("secret={text}&issuer=Rally&")),
            "{uri}"
        );
        assert_eq!(format!("{totp:?}"), "Totp(<redacted>)");
    }
}
