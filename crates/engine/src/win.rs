//! Each team's predicted win probability, as a match carries it.

use std::{fmt, ops::Deref};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Each team's predicted win probability, in team order, summing to 1. Read it as a slice.
///
/// Two teams (duels, five-versus-five: most matches) are kept inline: a burst makes tens of
/// thousands of matches in one tick, and a list on the heap would be one more allocation each.
/// It is written and read as a JSON list.
#[derive(Clone, PartialEq)]
pub struct WinProbabilities(Kept);

#[derive(Clone, PartialEq)]
enum Kept {
    Two([f64; 2]),
    Other(Vec<f64>),
}

impl WinProbabilities {
    /// Two teams': `first` for the first, the rest for the second.
    #[must_use]
    pub fn two(first: f64) -> Self {
        Self(Kept::Two([first, 1.0 - first]))
    }
}

impl From<Vec<f64>> for WinProbabilities {
    fn from(probabilities: Vec<f64>) -> Self {
        match probabilities[..] {
            [a, b] => Self(Kept::Two([a, b])),
            _ => Self(Kept::Other(probabilities)),
        }
    }
}

impl Deref for WinProbabilities {
    type Target = [f64];

    fn deref(&self) -> &[f64] {
        match &self.0 {
            Kept::Two(two) => two,
            Kept::Other(other) => other,
        }
    }
}

impl fmt::Debug for WinProbabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for WinProbabilities {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for WinProbabilities {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<f64>::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_teams_and_more_read_as_the_same_list_and_round_trip_through_json() {
        let two = WinProbabilities::two(0.25);
        assert_eq!(&two[..], &[0.25, 0.75]);
        assert_eq!(two, WinProbabilities::from(vec![0.25, 0.75]));
        let three = WinProbabilities::from(vec![0.2, 0.3, 0.5]);
        assert_eq!(three.len(), 3);
        for kept in [two, three, WinProbabilities::from(vec![1.0])] {
            let json = serde_json::to_string(&kept).expect("serializable");
            assert_eq!(
                json,
                serde_json::to_string(&kept[..]).expect("serializable")
            );
            let back: WinProbabilities = serde_json::from_str(&json).expect("a list");
            assert_eq!(back, kept);
        }
    }
}
