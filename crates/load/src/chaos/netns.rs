//! A network namespace of a chaos run's own, joined to this one by a veth pair, so a fault can
//! cut one process's network without touching the machine's: the namespace and its
//! link are deleted when the run ends.
//!
//! The pair takes a /30 of 10.213.0.0/16: this side `.1`, the namespace's `.2`. A partition
//! takes the namespace's end of the link down.

use std::{net::Ipv4Addr, process::Command};

use anyhow::{Context, bail};

/// A network namespace joined to this one.
#[derive(Debug)]
pub struct Netns {
    name: String,
    /// This side's end of the link.
    outer: String,
    /// The namespace's end.
    inner: String,
    /// This side's address on the link (backends listen there).
    pub outer_ip: Ipv4Addr,
    /// The namespace's address (its processes listen there).
    pub inner_ip: Ipv4Addr,
}

impl Netns {
    /// Creates namespace number `index` of this run (0 to 63), its link up.
    pub fn create(index: u8) -> anyhow::Result<Self> {
        let pid = std::process::id();
        let base = u32::from(Ipv4Addr::new(10, 213, (pid % 250) as u8, 0)) + u32::from(index) * 4;
        let netns = Self {
            name: format!("rallyc{pid}-{index}"),
            outer: format!("rc{pid}o{index}"),
            inner: format!("rc{pid}i{index}"),
            outer_ip: Ipv4Addr::from(base + 1),
            inner_ip: Ipv4Addr::from(base + 2),
        };
        ip(&["netns", "add", &netns.name])?;
        ip(&[
            "link",
            "add",
            &netns.outer,
            "type",
            "veth",
            "peer",
            "name",
            &netns.inner,
        ])?;
        ip(&["link", "set", &netns.inner, "netns", &netns.name])?;
        ip(&[
            "addr",
            "add",
            &format!("{}/30", netns.outer_ip),
            "dev",
            &netns.outer,
        ])?;
        ip(&["link", "set", &netns.outer, "up"])?;
        netns.inside(&[
            "ip",
            "addr",
            "add",
            &format!("{}/30", netns.inner_ip),
            "dev",
            &netns.inner,
        ])?;
        netns.inside(&["ip", "link", "set", &netns.inner, "up"])?;
        netns.inside(&["ip", "link", "set", "lo", "up"])?;
        Ok(netns)
    }

    /// The namespace's name (for `ip netns exec`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Cuts the namespace off: its end of the link goes down.
    pub fn cut(&self) -> anyhow::Result<()> {
        self.inside(&["ip", "link", "set", &self.inner, "down"])
    }

    /// Joins it again.
    pub fn mend(&self) -> anyhow::Result<()> {
        self.inside(&["ip", "link", "set", &self.inner, "up"])
    }

    /// Runs `command` inside the namespace.
    fn inside(&self, command: &[&str]) -> anyhow::Result<()> {
        let mut all = vec!["ip", "netns", "exec", self.name.as_str()];
        all.extend_from_slice(command);
        run(&all)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Deleting the namespace deletes its end of the link, and with it this side's.
        let _ = ip(&["netns", "del", &self.name]);
        let _ = ip(&["link", "del", &self.outer]);
    }
}

fn ip(args: &[&str]) -> anyhow::Result<()> {
    let mut all = vec!["ip"];
    all.extend_from_slice(args);
    run(&all)
}

/// Runs a command to its end, failing with its output unless it succeeds.
fn run(command: &[&str]) -> anyhow::Result<()> {
    let (program, args) = command.split_first().context("BUG: an empty command")?;
    let output = Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("cannot run {program} (iproute2 is needed for network faults)"))?;
    if !output.status.success() {
        bail!(
            "`{}` failed: {}",
            command.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}
