//! Rally events.
