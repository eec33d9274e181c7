//! Carrying on after a panic elsewhere: locks whose holder panicked, and panic payloads.

use std::any::Any;
use std::sync::{Mutex, MutexGuard};

/// Locks `mutex`, ignoring poison: every value the runtime keeps behind a lock stays consistent
/// if a holder panicked (nothing panics half-way through an update), so it is used as it is.
pub(crate) fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The message of a panic payload: the `&str` or `String` given to `panic!`, or a placeholder.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "Box<dyn Any>"
    }
}
