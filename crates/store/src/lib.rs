//! Rally store.
