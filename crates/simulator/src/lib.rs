//! Rally's matchmaking simulator.
//!
//! `rally simulate` runs a population through [`rally_engine`] in virtual time and reports
//! time to match, quality, fairness, latency, timeouts, invariant violations, rating
//! convergence and throughput ([`simulate()`], [`Report`]). The `rally` binary calls it; this
//! crate's own `rally-simulator` binary does the same on its own. The engine benchmark
//! (`rally bench engine`) lives in `rally-load`.
//!
//! # Layout
//!
//! - [`args`]: the options of `rally simulate` (clap)
//! - [`population`]: players with hidden skill, regions and latencies, roles, parties
//! - [`simulate`](mod@simulate): the virtual-time loop
//! - [`report`]: the report, its JSON and its table, percentiles and rank correlation

#![warn(missing_docs)]

pub mod args;
pub mod population;
pub mod report;
pub mod simulate;

pub use args::SimulateArgs;
pub use report::Report;
pub use simulate::{SimulateError, simulate};
