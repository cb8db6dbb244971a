//! Rally's matchmaking simulator and engine benchmark driver.
//!
//! `rally simulate` runs a population through [`rally_engine`] in virtual time and reports
//! time to match, quality, fairness, latency, timeouts, invariant violations, rating
//! convergence and throughput ([`simulate()`], [`Report`]). `rally bench engine` measures a
//! tick, enqueue and cancel at a given queue size and the heap bytes per ticket
//! ([`bench_engine`], [`BenchReport`]). The `rally` binary calls these; this crate's own
//! `rally-simulator` binary does the same, with the counting allocator installed.
//!
//! # Layout
//!
//! - [`args`]: `SimulateArgs` and `BenchArgs` (clap)
//! - [`population`]: players with hidden skill, regions and latencies, roles, parties
//! - [`simulate`](mod@simulate): the virtual-time loop
//! - [`report`]: the report, its JSON and its table, percentiles and rank correlation
//! - [`bench`](mod@bench): the engine benchmark
//! - [`counting`]: an opt-in counting global allocator

#![warn(missing_docs)]

pub mod args;
pub mod bench;
pub mod counting;
pub mod population;
pub mod report;
pub mod simulate;

pub use args::{BenchArgs, SimulateArgs};
pub use bench::{BenchReport, bench_engine};
pub use counting::CountingAllocator;
pub use report::Report;
pub use simulate::{SimulateError, simulate};
