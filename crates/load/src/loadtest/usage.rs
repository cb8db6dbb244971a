//! The memory and CPU of the processes under test (and of the load generator), sampled from
//! `/proc` during a run (Linux; elsewhere nothing is reported).

use tokio::time::Instant;

use super::report::ProcessUsage;

/// Clock ticks per second of `/proc/<pid>/stat` (`USER_HZ`, 100 on every Linux Rally runs on).
const TICKS_PER_S: f64 = 100.0;

/// Samples named processes' resident memory and CPU time.
#[derive(Debug)]
pub(crate) struct Sampler {
    processes: Vec<Sampled>,
    started: Instant,
}

#[derive(Debug)]
struct Sampled {
    name: String,
    pid: u32,
    cpu_at_start: Option<f64>,
    cpu_last: Option<f64>,
    rss_peak: u64,
    rss_last: u64,
}

impl Sampler {
    /// Starts sampling `processes` (name, pid), with this process as `loadtest`.
    pub(crate) fn new(processes: Vec<(String, u32)>) -> Self {
        let own = ("loadtest".to_owned(), std::process::id());
        let processes = processes
            .into_iter()
            .chain([own])
            .map(|(name, pid)| Sampled {
                name,
                pid,
                cpu_at_start: cpu_seconds(pid),
                cpu_last: None,
                rss_peak: 0,
                rss_last: 0,
            })
            .collect();
        Self {
            processes,
            started: Instant::now(),
        }
    }

    /// Takes one sample of every process.
    pub(crate) fn sample(&mut self) {
        for p in &mut self.processes {
            if let Some(rss) = crate::node::rss(p.pid) {
                p.rss_last = rss;
                p.rss_peak = p.rss_peak.max(rss);
            }
            if let Some(cpu) = cpu_seconds(p.pid) {
                p.cpu_last = Some(cpu);
            }
        }
    }

    /// Each process's peak and last memory, and the cores it used on average since the start.
    pub(crate) fn usage(&self) -> Vec<ProcessUsage> {
        let wall = self.started.elapsed().as_secs_f64().max(1e-3);
        self.processes
            .iter()
            .map(|p| ProcessUsage {
                name: p.name.clone(),
                pid: p.pid,
                rss_peak_bytes: p.rss_peak,
                rss_last_bytes: p.rss_last,
                cpu_cores: match (p.cpu_at_start, p.cpu_last) {
                    (Some(start), Some(last)) => (last - start) / wall,
                    _ => 0.0,
                },
            })
            .collect()
    }
}

/// User plus system CPU time of `pid`, in seconds.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / TICKS_PER_S)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_memory_and_cpu_time_to_report() {
        let mut sampler = Sampler::new(Vec::new());
        let spin = std::time::Instant::now();
        let mut x = 0u64;
        while spin.elapsed() < std::time::Duration::from_millis(50) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        sampler.sample();
        let usage = sampler.usage();
        assert_eq!(usage.len(), 1);
        assert_eq!(usage[0].name, "loadtest");
        assert!(usage[0].rss_peak_bytes > 0, "{usage:?}");
        assert!(cpu_seconds(std::process::id()).is_some());
    }
}
