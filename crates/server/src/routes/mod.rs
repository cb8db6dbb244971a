//! One module per resource, each exporting `router()`; [`crate::router`] assembles them.

pub mod health;
pub mod telemetry;
