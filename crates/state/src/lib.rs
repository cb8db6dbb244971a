//! Rally state.
