//! Rally engine.
