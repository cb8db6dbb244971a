//! Rally's load tooling: the benchmarks behind `rally bench`, kept out of the server so that a
//! node carries no benchmark code and a production `rally` can be built without them (the
//! binary's `load` feature).
//!
//! Each benchmark takes its options (a `clap::Args` struct, so the binary's flags are these
//! fields) and returns a report that prints itself. The node benchmarks offer a fixed rate
//! (open loop: latency counts from when a request was due, so a slow node cannot slow the
//! offered load and hide itself) and record latencies in HDR histograms.
//!
//! - [`bench_engine`]: the engine alone, in process: a tick at N queued tickets, enqueue,
//!   cancel, heap bytes per ticket (with [`CountingAllocator`] installed), and one tick over
//!   a cold burst of new tickets against a sort of their ratings.
//! - [`accounts()`] and [`ratings()`]: a node built in this process whose router is called
//!   directly (no TCP, no HTTP parsing).
//! - [`loadtest()`]: players on the SDK, against a target or nodes it starts.
//! - [`gateway()`], [`queue()`] and [`soak()`]: real `rally serve` child processes (the
//!   `rally` executable is passed in), driven over HTTP (reqwest) and WebSockets
//!   (tokio-tungstenite).
//!
//! # Layout
//!
//! - [`engine`](mod@engine): `rally bench engine`
//! - [`burst`]: the engine's cold burst, part of `rally bench engine`
//! - [`counting`]: the opt-in counting global allocator behind `bytes_per_ticket`
//! - [`accounts`](mod@accounts): `rally bench accounts`
//! - [`ratings`](mod@ratings): `rally bench ratings`
//! - [`gateway`](mod@gateway): `rally bench gateway`
//! - [`queue`](mod@queue): `rally bench queue`
//! - [`soak`](mod@soak): `rally bench soak`
//! - [`chaos`](mod@chaos): `rally chaos`, one fault injected under the load test, and its cost
//! - [`loadtest`](mod@loadtest): `rally loadtest`, simulated players on the SDK through the
//!   whole loop
//! - [`latency`]: the latency recorder (HDR histogram) and its percentiles
//! - [`embedded`]: a node in this process, called through its router
//! - [`node`]: a `rally serve` child process, its settings, tokens and memory
//! - [`player`]: bench players written straight into a node's store
//! - [`client`]: JSON calls to a node over HTTP
//! - [`socket`]: a player's gateway WebSocket
//! - [`fill`]: many rated players written in a few statements
//! - [`stages`](mod@stages): where a match's time went, from PostgreSQL's timestamps
//! - [`think`]: a bench player's wait between matches
//! - [`refusal`]: a call the node refused for now, and the wait it asked for

#![warn(missing_docs)]

pub mod accounts;
pub mod all;
pub mod burst;
pub mod chaos;
pub mod client;
pub mod counting;
pub mod embedded;
pub mod engine;
pub mod fill;
pub mod full_loop;
pub mod gateway;
pub mod latency;
pub mod loadtest;
pub mod node;
pub mod player;
pub mod queue;
pub mod ratings;
pub mod refusal;
pub mod soak;
pub mod socket;
pub mod stages;
pub mod think;

pub use accounts::{AccountsBenchArgs, AccountsReport, accounts};
pub use all::{AllBenchArgs, AllReport, all};
pub use chaos::{ChaosArgs, ChaosReport, Scenario, chaos};
pub use counting::CountingAllocator;
pub use engine::{EngineBenchArgs, EngineReport, bench_engine};
pub use full_loop::{LoopBenchArgs, LoopReport, full_loop};
pub use gateway::{GatewayBenchArgs, GatewayReport, gateway};
pub use latency::{Latency, LatencyRecorder};
pub use loadtest::{LoadtestArgs, LoadtestReport, loadtest};
pub use queue::{QueueBenchArgs, QueueReport, queue};
pub use ratings::{RatingsBenchArgs, RatingsReport, ratings};
pub use soak::{SoakBenchArgs, SoakReport, soak};
