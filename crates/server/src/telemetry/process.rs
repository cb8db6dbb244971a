//! The process's own metrics, in the names every Prometheus client uses (`process_cpu_seconds_total`,
//! `process_resident_memory_bytes`, ...), read from `/proc` at each scrape so they are never
//! stale. Elsewhere than on Linux there is no `/proc` and they are left out.

use std::fmt::Write as _;

/// The kernel's clock ticks per second for the times in `/proc/<pid>/stat` (`USER_HZ`: 100 on
/// every architecture Rally is built for; it is part of the kernel's user-space interface).
const USER_HZ: f64 = 100.0;

/// The process metrics as Prometheus text, or nothing when `/proc` can't be read.
pub fn exposition() -> String {
    let Some(sample) = Sample::read() else {
        return String::new();
    };
    let mut text = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, value: f64| {
        let _ = writeln!(
            text,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    };
    metric(
        "process_cpu_seconds_total",
        "counter",
        "Total user and system CPU time spent in seconds.",
        sample.cpu_seconds,
    );
    metric(
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
        sample.resident_bytes,
    );
    metric(
        "process_virtual_memory_bytes",
        "gauge",
        "Virtual memory size in bytes.",
        sample.virtual_bytes,
    );
    metric(
        "process_threads",
        "gauge",
        "Number of operating-system threads.",
        sample.threads,
    );
    metric(
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since the Unix epoch in seconds.",
        sample.start_time_seconds,
    );
    if let Some(open) = sample.open_fds {
        metric(
            "process_open_fds",
            "gauge",
            "Number of open file descriptors.",
            open,
        );
    }
    if let Some(max) = sample.max_fds {
        metric(
            "process_max_fds",
            "gauge",
            "Maximum number of open file descriptors.",
            max,
        );
    }
    text
}

/// One reading of `/proc/self`.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    cpu_seconds: f64,
    resident_bytes: f64,
    virtual_bytes: f64,
    threads: f64,
    start_time_seconds: f64,
    open_fds: Option<f64>,
    max_fds: Option<f64>,
}

impl Sample {
    fn read() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let boot = std::fs::read_to_string("/proc/stat").ok()?;
        let open_fds = std::fs::read_dir("/proc/self/fd")
            .ok()
            .map(|entries| entries.count() as f64);
        let max_fds = rlimit::getrlimit(rlimit::Resource::NOFILE)
            .ok()
            .map(|(soft, _)| soft as f64);
        Self::parse(&stat, &status, &boot, open_fds, max_fds)
    }

    /// Reads the sample out of `/proc/self/stat`, `/proc/self/status` and `/proc/stat`.
    fn parse(
        stat: &str,
        status: &str,
        boot: &str,
        open_fds: Option<f64>,
        max_fds: Option<f64>,
    ) -> Option<Self> {
        // The command name (field 2) is in parentheses and may hold spaces: count after it.
        let after_name = &stat[stat.rfind(')')? + 1..];
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        // Fields 14 and 15 (user and system time) and 22 (start time) of the line (counted
        // from 1) are at 11, 12 and 19 of what follows the name (counted from 0).
        let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
        let cpu_seconds = (ticks(11)? + ticks(12)?) / USER_HZ;
        let started_after_boot = ticks(19)? / USER_HZ;
        let kib = |key: &str| -> Option<f64> {
            let line = status.lines().find(|l| l.starts_with(key))?;
            let value = line[key.len()..].split_whitespace().next()?;
            value.parse::<f64>().ok()
        };
        let booted_at = boot
            .lines()
            .find_map(|l| l.strip_prefix("btime "))?
            .trim()
            .parse::<f64>()
            .ok()?;
        Some(Self {
            cpu_seconds,
            resident_bytes: kib("VmRSS:")? * 1024.0,
            virtual_bytes: kib("VmSize:")? * 1024.0,
            threads: kib("Threads:")?,
            start_time_seconds: booted_at + started_after_boot,
            open_fds,
            max_fds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_of_proc_becomes_the_standard_process_metrics() {
        let stat = "4242 (rally (api)) S 1 4242 4242 0 -1 4194560 5000 0 0 0 250 50 0 0 20 0 \
                    9 0 123400 900000000 30000 18446744073709551615";
        let status = "Name:\trally\nVmSize:\t  878906 kB\nVmRSS:\t  120000 kB\nThreads:\t9\n";
        let boot = "cpu  1 2 3\nbtime 1760000000\nprocesses 10\n";
        let sample = Sample::parse(stat, status, boot, Some(17.0), Some(65_536.0))
            .expect("a complete reading");
        assert_eq!(sample.cpu_seconds, 3.0);
        assert_eq!(sample.resident_bytes, 120_000.0 * 1024.0);
        assert_eq!(sample.virtual_bytes, 878_906.0 * 1024.0);
        assert_eq!(sample.threads, 9.0);
        assert_eq!(sample.start_time_seconds, 1_760_000_000.0 + 1_234.0);
        assert_eq!(sample.open_fds, Some(17.0));
        assert!(Sample::parse("garbage", status, boot, None, None).is_none());
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn this_process_is_described_in_prometheus_text() {
        let text = exposition();
        for name in [
            "process_cpu_seconds_total",
            "process_resident_memory_bytes",
            "process_open_fds",
            "process_max_fds",
            "process_threads",
            "process_start_time_seconds",
        ] {
            assert!(
                text.contains(&format!("# HELP {name} ")),
                "{name} in {text}"
            );
            assert!(text.contains(&format!("\n{name} ")), "{name} in {text}");
        }
    }
}
