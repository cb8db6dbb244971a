//! The client's address, for per-address rate limits: the socket's peer, or, when that peer is
//! a trusted proxy, the nearest address in `X-Forwarded-For` that is not one (walking from the
//! right, since a client can write anything on the left).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};

use super::ApiError;
use crate::app::AppState;

/// The address requests from an unknown peer are counted under (in-process calls without a
/// socket).
const UNKNOWN_PEER: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

/// The address of the client making the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        // The extractor (not the bare extension) so in-process tests' `MockConnectInfo` counts.
        let peer = ConnectInfo::<SocketAddr>::from_request_parts(parts, app)
            .await
            .map_or(UNKNOWN_PEER, |ConnectInfo(addr)| addr.ip().to_canonical());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        Ok(ClientAddress(resolve(peer, &forwarded, |ip| {
            app.settings().is_trusted_proxy(ip)
        })))
    }
}

/// The client behind `peer`, given the `X-Forwarded-For` entries in order.
fn resolve(peer: IpAddr, forwarded: &[&str], trusted: impl Fn(IpAddr) -> bool) -> IpAddr {
    let mut client = peer;
    for entry in forwarded.iter().rev() {
        if !trusted(client) {
            break;
        }
        match entry.parse::<IpAddr>() {
            Ok(ip) => client = ip.to_canonical(),
            // A garbled hop: stop at the last proxy we trust rather than guess.
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let trusted = |a: IpAddr| a == ip("10.0.0.2");
        assert_eq!(
            resolve(ip("198.51.100.9"), &["203.0.113.7"], trusted),
            ip("198.51.100.9")
        );
        assert_eq!(
            resolve(ip("10.0.0.2"), &["203.0.113.7"], trusted),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn a_client_cannot_hide_behind_entries_it_wrote_itself() {
        let trusted = |a: IpAddr| a == ip("10.0.0.2") || a == ip("10.0.0.3");
        // The client wrote "1.2.3.4"; the proxies appended the real hops.
        let forwarded = ["1.2.3.4", "203.0.113.7", "10.0.0.3"];
        assert_eq!(
            resolve(ip("10.0.0.2"), &forwarded, trusted),
            ip("203.0.113.7")
        );
        assert_eq!(
            resolve(ip("10.0.0.2"), &["garbage"], trusted),
            ip("10.0.0.2")
        );
    }
}
