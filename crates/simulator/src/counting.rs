//! A global allocator that counts live heap bytes, for an honest `bytes_per_ticket`.
//!
//! It is opt-in: a binary that wants the figure installs it with
//! `#[global_allocator] static ALLOC: rally_simulator::CountingAllocator = rally_simulator::CountingAllocator;`
//! Without it, [`CountingAllocator::live_bytes`] stays 0 and the bench reports no figure.
// Implementing `GlobalAlloc` is unsafe by definition; this only forwards to the system
// allocator and adds two relaxed atomic counters, so the workspace's `unsafe_code = "deny"`
// is lifted for this module alone.
#![allow(unsafe_code)]

use std::{
    alloc::{GlobalAlloc, Layout, System},
    sync::atomic::{AtomicUsize, Ordering},
};

static LIVE: AtomicUsize = AtomicUsize::new(0);
static INSTALLED: AtomicUsize = AtomicUsize::new(0);

/// Forwards to the system allocator and counts the bytes currently allocated.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAllocator;

impl CountingAllocator {
    /// Bytes allocated and not yet freed (0 if this allocator is not installed).
    #[must_use]
    pub fn live_bytes() -> usize {
        LIVE.load(Ordering::Relaxed)
    }

    /// Whether this allocator is the process's global allocator.
    #[must_use]
    pub fn is_installed() -> bool {
        // Any allocation through it sets the flag; allocate once to be sure one happened.
        drop(Vec::<u8>::with_capacity(1));
        INSTALLED.load(Ordering::Relaxed) == 1
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counters do not affect the memory returned.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        INSTALLED.store(1, Ordering::Relaxed);
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        INSTALLED.store(1, Ordering::Relaxed);
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded as received.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded as received.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
