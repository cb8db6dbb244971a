//! Account fields that validate when parsed: [`Username`], [`Email`], [`DisplayName`],
//! [`Password`], [`RegionName`], [`AvatarUrl`]. Each converts from a `String` with `TryFrom`
//! and refuses bad input with a [`FieldError`] naming the field and a stable code
//! (`invalid_username`, ...), so the server and the SDK apply the same rules.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use super::invisible;

/// Why a field was refused: the field as the client named it, a stable code and a reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    /// The field (`username`, `email`...).
    pub field: &'static str,
    /// The stable code (`invalid_username`...).
    pub code: &'static str,
    /// What is wrong, for people.
    pub reason: &'static str,
}

impl FieldError {
    const fn new(field: &'static str, code: &'static str, reason: &'static str) -> Self {
        Self {
            field,
            code,
            reason,
        }
    }
}

/// A login name: 3 to 24 ASCII letters, digits and underscores; unique without regard to case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl TryFrom<String> for Username {
    type Error = FieldError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let ok = (3..=24).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if ok {
            Ok(Self(value))
        } else {
            Err(FieldError::new(
                "username",
                "invalid_username",
                "3 to 24 of letters, digits and underscore",
            ))
        }
    }
}

/// An email address: one `@`, a local part of 1 to 64 and a dotted domain, at most 254
/// characters, no spaces or control characters; unique without regard to case. Never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Email(String);

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email(<redacted>)")
    }
}

impl TryFrom<String> for Email {
    type Error = FieldError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let refuse = || {
            FieldError::new(
                "email",
                "invalid_email",
                "an address like name@example.com, at most 254 characters",
            )
        };
        if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(refuse());
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err(refuse());
        };
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && domain.split('.').all(|label| {
                !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(refuse());
        }
        Ok(Self(value))
    }
}

/// A name shown to others, as stored: normalised to NFC with outer whitespace trimmed, then 1
/// to 32 characters, with no control or format character (zero-width spaces, bidirectional
/// overrides, the byte-order mark) and at least one visible character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl TryFrom<String> for DisplayName {
    type Error = FieldError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let normalised: String = value.trim().nfc().collect();
        let count = normalised.chars().count();
        let ok = (1..=32).contains(&count)
            && !normalised
                .chars()
                .any(|c| c.is_control() || invisible::is_format(c))
            && !normalised.chars().all(invisible::is_invisible);
        if ok {
            Ok(Self(normalised))
        } else {
            Err(FieldError::new(
                "display_name",
                "invalid_display_name",
                "1 to 32 characters, some visible, no control or format characters",
            ))
        }
    }
}

/// A password: 8 to 128 characters, no composition rules (NIST SP 800-63B 5.1.1.2). Never
/// logged or printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Password {
    /// Parses a password given as the field `field` (`password`, `new_password`).
    pub fn parse(field: &'static str, value: String) -> Result<Self, FieldError> {
        if (8..=128).contains(&value.chars().count()) {
            Ok(Self(value))
        } else {
            Err(FieldError::new(
                field,
                "invalid_password",
                "8 to 128 characters",
            ))
        }
    }
}

impl TryFrom<String> for Password {
    type Error = FieldError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse("password", value)
    }
}

/// The shape of a region name: 1 to 16 lowercase ASCII letters, digits and `-`. Whether the
/// region is offered is the server's configuration (`invalid_region` too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionName(String);

impl TryFrom<String> for RegionName {
    type Error = FieldError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let ok = (1..=16).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(value))
        } else {
            Err(FieldError::new(
                "region",
                "invalid_region",
                "one of the regions this server offers",
            ))
        }
    }
}

/// An avatar image url: `https://` or `http://`, at most 512 characters, no spaces or control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvatarUrl(String);

impl TryFrom<String> for AvatarUrl {
    type Error = FieldError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let rest = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"));
        let ok = value.len() <= 512
            && rest.is_some_and(|r| !r.is_empty())
            && !value.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Self(value))
        } else {
            Err(FieldError::new(
                "avatar_url",
                "invalid_avatar_url",
                "an http(s) url of at most 512 characters",
            ))
        }
    }
}

macro_rules! text_access {
    ($($name:ident),+) => {$(
        impl $name {
            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The validated text, owned.
            pub fn into_inner(self) -> String {
                self.0
            }
        }
    )+};
}
text_access!(
    Username,
    Email,
    DisplayName,
    Password,
    RegionName,
    AvatarUrl
);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ok<T: TryFrom<String, Error = FieldError>>(value: &str) -> bool {
        T::try_from(value.to_owned()).is_ok()
    }

    #[test]
    fn usernames_are_3_to_24_letters_digits_or_underscores() {
        assert!(ok::<Username>("abc") && ok::<Username>("Player_01"));
        assert!(ok::<Username>(&"x".repeat(24)));
        for bad in [
            "ab",
            &"x".repeat(25),
            "with space",
            "o'brien",
            "x;DROP",
            "é_accent",
        ] {
            assert!(!ok::<Username>(bad), "{bad}");
        }
    }

    #[test]
    fn emails_need_a_local_part_an_at_and_a_dotted_domain() {
        assert!(ok::<Email>("a@example.com") && ok::<Email>("first.last+tag@sub.example.org"));
        for bad in [
            "plain",
            "@example.com",
            "a@localhost",
            "a@@b.com",
            "a b@c.com",
            "a@b..com",
        ] {
            assert!(!ok::<Email>(bad), "{bad}");
        }
        assert!(!ok::<Email>(&format!("{}@example.com", "a".repeat(250))));
    }

    #[test]
    fn display_names_refuse_control_characters_and_blank_or_long_names() {
        assert!(ok::<DisplayName>("Ada Lovelace") && ok::<DisplayName>("日本語の名前"));
        for bad in ["", "   ", "tab\there", "nul\0", &"x".repeat(33)] {
            assert!(!ok::<DisplayName>(bad), "{bad:?}");
        }
    }

    #[test]
    fn display_names_refuse_invisible_and_direction_changing_text() {
        let cases = [
            ("\u{200B}", false),                  // a zero-width space alone
            ("Ada\u{200B}", false),               // a zero-width space inside a name
            ("\u{202E}nimda", false),             // right-to-left override
            ("\u{3164}", false),                  // Hangul filler alone
            ("\u{3164}\u{3164} \u{115F}", false), // only fillers and a space
            ("\u{FEFF}Ada", false),               // byte-order mark
            ("Ad\u{00AD}a", false),               // soft hyphen
            ("\u{2800}", false),                  // Braille blank
            ("Ada\u{2066}", false),               // left-to-right isolate
            ("Zoë", true),
            ("🎮 gamer", true),
            ("Ada\u{3164}", true), // a filler beside visible letters shows as space
        ];
        for (name, accepted) in cases {
            assert_eq!(ok::<DisplayName>(name), accepted, "{name:?}");
        }
    }

    #[test]
    fn display_names_are_stored_in_nfc_without_outer_spaces() {
        // "e" + combining acute accent, composed to one "é".
        let name = DisplayName::try_from("  Rene\u{0301}  ".to_owned()).unwrap();
        assert_eq!(name.into_inner(), "Ren\u{e9}");
        // 32 combining sequences that compose to 32 characters fit.
        assert!(ok::<DisplayName>(&"e\u{0301}".repeat(32)));
    }

    #[test]
    fn passwords_are_8_to_128_characters_of_anything() {
        assert!(ok::<Password>("12345678") && ok::<Password>(&"p".repeat(128)));
        assert!(!ok::<Password>("1234567") && !ok::<Password>(&"p".repeat(129)));
        let error = Password::parse("new_password", "short".into()).unwrap_err();
        assert_eq!(
            (error.field, error.code),
            ("new_password", "invalid_password")
        );
    }

    #[test]
    fn regions_and_avatar_urls_have_a_plain_shape() {
        assert!(ok::<RegionName>("eu") && ok::<RegionName>("us-east-1"));
        assert!(!ok::<RegionName>("EU") && !ok::<RegionName>(""));
        assert!(ok::<AvatarUrl>("https://cdn.example.com/a.png"));
        assert!(!ok::<AvatarUrl>("javascript:alert(1)") && !ok::<AvatarUrl>("https://"));
    }

    #[test]
    fn secrets_never_print() {
        let password = Password::try_from("hunter2hunter2".to_owned()).unwrap();
        assert!(!format!("{password:?}").contains("hunter2"));
        let email = Email::try_from("me@example.com".to_owned()).unwrap();
        assert!(!format!("{email:?}").contains("me@"));
    }
}
