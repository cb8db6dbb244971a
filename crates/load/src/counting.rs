//! A global allocator that counts live heap bytes, for an honest `bytes_per_ticket`.
//!
//! It is opt-in twice. A binary that wants the figure installs it with
//! `#[global_allocator] static ALLOC: rally_load::CountingAllocator = rally_load::CountingAllocator;`
//! and the benchmark turns counting on with [`CountingAllocator::start`]. Until then each
//! call costs one read of a flag nobody writes, so the `rally` binary serving players pays
//! nothing measurable for carrying it (and a `rally` built without its `load` feature does not
//! carry it at all). Without it, [`CountingAllocator::live_bytes`] stays 0 and the bench
//! reports no figure.
// Implementing `GlobalAlloc` is unsafe by definition; this only forwards to the system
// allocator and adds two relaxed atomic counters, so the workspace's `unsafe_code = "deny"`
// is lifted for this module alone.
#![allow(unsafe_code)]

use std::{
    alloc::{GlobalAlloc, Layout, System},
    sync::atomic::{AtomicBool, AtomicUsize, Ordering},
};

/// Bytes allocated minus bytes freed since counting started; it wraps when more is freed than
/// was allocated since then, so read it as a difference ([`CountingAllocator::grown_since`]).
static LIVE: AtomicUsize = AtomicUsize::new(0);
static INSTALLED: AtomicUsize = AtomicUsize::new(0);
static COUNTING: AtomicBool = AtomicBool::new(false);

/// Forwards to the system allocator and counts the bytes currently allocated.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAllocator;

impl CountingAllocator {
    /// Starts counting (for the rest of the process).
    pub fn start() {
        COUNTING.store(true, Ordering::SeqCst);
    }

    /// The counter now (0 if this allocator is not installed or not started); only a
    /// difference of two readings means anything.
    #[must_use]
    pub fn live_bytes() -> usize {
        LIVE.load(Ordering::Relaxed)
    }

    /// How many bytes the live heap grew since the reading `before` (0 if it shrank).
    #[must_use]
    pub fn grown_since(before: usize) -> usize {
        let delta = LIVE.load(Ordering::Relaxed).wrapping_sub(before);
        if delta > usize::MAX / 2 { 0 } else { delta }
    }

    /// Whether this allocator is the process's global allocator.
    #[must_use]
    pub fn is_installed() -> bool {
        // Any allocation through it sets the flag; allocate once to be sure one happened.
        // Through `black_box`, or an optimised build elides the allocation and never asks.
        drop(std::hint::black_box(Vec::<u8>::with_capacity(1)));
        INSTALLED.load(Ordering::Relaxed) == 1
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counters do not affect the memory returned.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            INSTALLED.store(1, Ordering::Relaxed);
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: forwarded as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            INSTALLED.store(1, Ordering::Relaxed);
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: forwarded as received.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_add(new_size, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: forwarded as received.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
