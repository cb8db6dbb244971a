//! The Rally a load test is pointed at, and the guard that keeps it on this machine: a load test
//! is an attack on any service whose operator did not ask for it.

use std::net::IpAddr;

use anyhow::{Context, bail};

/// The api nodes' base URLs of the Rally under load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Base URLs (`http://127.0.0.1:8080`), one per api node.
    pub urls: Vec<String>,
}

impl Target {
    /// Parses comma-separated base URLs, refusing any host that is not this machine's loopback
    /// unless `allow_remote`.
    pub fn parse(urls: &str, allow_remote: bool) -> anyhow::Result<Self> {
        let urls: Vec<String> = urls
            .split(',')
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty())
            .collect();
        if urls.is_empty() {
            bail!("--target names no URL");
        }
        for url in &urls {
            let parsed = reqwest::Url::parse(url)
                .with_context(|| format!("--target `{url}` is not a URL"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                bail!("--target `{url}`: only http and https");
            }
            let host = parsed
                .host_str()
                .with_context(|| format!("--target `{url}` names no host"))?;
            if !allow_remote && !is_loopback(host) {
                bail!(
                    "--target `{url}` is not on this machine; pass --allow-remote to load a Rally you operate elsewhere"
                );
            }
        }
        Ok(Self { urls })
    }
}

/// Whether `host` (a name or an address, IPv6 in brackets) is this machine's loopback.
fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets_are_loaded_unless_remote_ones_are_allowed() {
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost:8080/",
            "http://[::1]:8080",
            "http://127.0.0.2:9000",
        ] {
            assert!(Target::parse(local, false).is_ok(), "{local}");
        }
        for remote in ["http://10.0.0.5:8080", "https://rally.example.com"] {
            let error = Target::parse(remote, false)
                .expect_err("a remote target is refused")
                .to_string();
            assert!(error.contains("--allow-remote"), "{error}");
            assert!(Target::parse(remote, true).is_ok(), "{remote}");
        }
        let two = Target::parse("http://127.0.0.1:1, http://127.0.0.1:2/", false)
            .expect("two local targets");
        assert_eq!(two.urls, ["http://127.0.0.1:1", "http://127.0.0.1:2"]);
        assert!(Target::parse("", false).is_err());
        assert!(Target::parse("ftp://127.0.0.1", false).is_err());
        assert!(Target::parse("not a url", false).is_err());
    }
}
