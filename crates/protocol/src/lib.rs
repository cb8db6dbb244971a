//! Rally protocol.
