//! A global allocator that counts the allocations made on the current thread, for "heap
//! allocations per span". Install it in a benchmark binary:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOCATOR: bench::counting::CountingAllocator = bench::counting::CountingAllocator;
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// The system allocator, counting allocations (and reallocations) per thread.
#[derive(Debug)]
pub struct CountingAllocator;

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn count() {
    // `try_with`: allocations during thread teardown are not counted.
    let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
}

/// Allocations made so far on this thread (only with [`CountingAllocator`] installed).
pub fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// Allocations per call of `run(calls)` on this thread.
pub fn allocations_per_call(calls: u64, run: impl FnOnce(u64)) -> f64 {
    let before = allocations();
    run(calls);
    (allocations() - before) as f64 / calls as f64
}
