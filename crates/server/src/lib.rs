//! Rally server.
