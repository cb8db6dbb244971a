//! Short validated names: [`Region`] and [`Mode`].
//!
//! Both are stored inline (16 bytes, `Copy`) so a ticket carries them without allocating; the
//! server keeps its own longer display names if it wants them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The name was empty.
    #[error("name is empty")]
    Empty,
    /// The name was longer than 16 bytes.
    #[error("name `{0}` is longer than 16 bytes")]
    TooLong(String),
    /// The name held a character other than `a-z`, `0-9`, `-`, `_` or `.`.
    #[error("name `{0}` may only hold a-z, 0-9, '-', '_' and '.'")]
    BadCharacter(String),
}

/// Up to 16 bytes of `[a-z0-9._-]`, zero padded.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct ShortName([u8; 16]);

impl ShortName {
    fn parse(s: &str) -> Result<Self, NameError> {
        if s.is_empty() {
            return Err(NameError::Empty);
        }
        if s.len() > 16 {
            return Err(NameError::TooLong(s.to_owned()));
        }
        if !s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        }) {
            return Err(NameError::BadCharacter(s.to_owned()));
        }
        let mut bytes = [0u8; 16];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        Ok(Self(bytes))
    }

    fn as_str(&self) -> &str {
        let len = self.0.iter().position(|&b| b == 0).unwrap_or(16);
        std::str::from_utf8(&self.0[..len]).expect("BUG: a ShortName holds only ASCII")
    }
}

macro_rules! short_name_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(ShortName);

        impl $name {
            /// Parses a name of 1 to 16 bytes of `a-z`, `0-9`, `-`, `_` or `.`.
            pub fn new(s: &str) -> Result<Self, NameError> {
                ShortName::parse(s).map(Self)
            }

            /// The name as text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.as_str())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<&str> for $name {
            type Error = NameError;
            fn try_from(s: &str) -> Result<Self, NameError> {
                Self::new(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

short_name_type!(
    /// A server region (`eu-west`, `us-east`), half of a bucket's key.
    Region
);
short_name_type!(
    /// A game mode, that is one queue (`ranked-5v5`, `duel`), the other half of a bucket's key.
    Mode
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_refuse_bad_text() {
        assert_eq!(
            Region::new("eu-west").map(|r| r.to_string()),
            Ok("eu-west".into())
        );
        assert_eq!(Region::new(""), Err(NameError::Empty));
        assert!(matches!(
            Mode::new("Ranked"),
            Err(NameError::BadCharacter(_))
        ));
        assert!(matches!(
            Mode::new("a-very-long-mode-name"),
            Err(NameError::TooLong(_))
        ));
    }
}
