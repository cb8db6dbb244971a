//! [`Channel`]: a chat channel parsed from its name, as clients write it.

use rally_store::ChatKind;
use uuid::Uuid;

/// A chat channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `party:<party_id>`: the party's members.
    Party(Uuid),
    /// `match:<match_id>`: every player of the match.
    Match(Uuid),
    /// `team:<match_id>:<team>`: one team of the match.
    Team(Uuid, i32),
    /// `dm:<low_id>:<high_id>`: two players, lower id first.
    Direct(Uuid, Uuid),
}

impl Channel {
    /// The channel `name` names for `caller`: `dm:<other>` is the caller's channel with that
    /// player. `None` for a name that is no channel.
    pub fn parse(name: &str, caller: Uuid) -> Option<Channel> {
        let (kind, rest) = name.split_once(':')?;
        match kind {
            "party" => rest.parse().ok().map(Channel::Party),
            "match" => rest.parse().ok().map(Channel::Match),
            "team" => {
                let (id, team) = rest.split_once(':')?;
                let team: i32 = team.parse().ok().filter(|t| (0..1_000).contains(t))?;
                Some(Channel::Team(id.parse().ok()?, team))
            }
            "dm" => {
                let (a, b) = match rest.split_once(':') {
                    Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
                    None => (caller, rest.parse().ok()?),
                };
                (a != b).then(|| Channel::direct(a, b))
            }
            _ => None,
        }
    }

    /// The direct channel of two players, whichever is named first.
    pub fn direct(a: Uuid, b: Uuid) -> Channel {
        if a < b {
            Channel::Direct(a, b)
        } else {
            Channel::Direct(b, a)
        }
    }

    /// The full name, as stored and pushed.
    pub fn name(&self) -> String {
        match self {
            Channel::Party(id) => format!("party:{id}"),
            Channel::Match(id) => format!("match:{id}"),
            Channel::Team(id, team) => format!("team:{id}:{team}"),
            Channel::Direct(a, b) => format!("dm:{a}:{b}"),
        }
    }

    /// Its kind, for retention.
    pub fn kind(&self) -> ChatKind {
        match self {
            Channel::Party(_) => ChatKind::Party,
            Channel::Match(_) => ChatKind::Match,
            Channel::Team(..) => ChatKind::Team,
            Channel::Direct(..) => ChatKind::Direct,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_a_direct_channel_is_the_same_from_either_side() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        for channel in [
            Channel::Party(a),
            Channel::Match(b),
            Channel::Team(a, 1),
            Channel::direct(b, a),
        ] {
            assert_eq!(Channel::parse(&channel.name(), a), Some(channel));
        }
        assert_eq!(
            Channel::parse(&format!("dm:{b}"), a),
            Channel::parse(&format!("dm:{a}"), b)
        );
        assert_eq!(Channel::direct(a, b), Channel::direct(b, a));
        for bad in [
            "",
            "party",
            "party:x",
            "lobby:1",
            &format!("dm:{a}"),
            "team:x:1",
        ] {
            assert_eq!(Channel::parse(bad, a), None, "{bad}");
        }
        assert_eq!(Channel::parse(&format!("team:{a}:-1"), a), None);
    }
}
