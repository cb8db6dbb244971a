//! Rally sdk.
