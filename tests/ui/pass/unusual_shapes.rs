use std::pin::Pin;

use otel_runtime::traced;

struct Machine(u32);

impl Machine {
    #[traced]
    fn step(self: Pin<&mut Self>) -> u32 {
        self.get_mut().0 += 1;
        0
    }

    #[traced]
    fn new() -> Self {
        Self(0)
    }
}

/// # Safety
/// None needed.
#[traced]
unsafe fn raw() -> u32 {
    1
}

#[traced]
fn array_len<const N: usize>(values: [u8; N]) -> usize {
    values.len()
}

#[traced]
fn fib(n: u32) -> u32 {
    if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
}

/// Stays documented.
#[must_use]
#[traced]
fn must_use() -> u32 {
    1
}

#[traced]
fn forever() -> ! {
    loop {
        std::thread::park();
    }
}

#[traced]
fn with_closures(values: &[u32]) -> u32 {
    let double = |v: &u32| v * 2;
    let _future = async { 1 };
    values.iter().map(double).sum()
}

fn main() {
    let mut machine = Machine::new();
    Pin::new(&mut machine).step();
    unsafe { raw() };
    array_len([1, 2]);
    fib(3);
    let _ = must_use();
    with_closures(&[1]);
    if false {
        forever();
    }
}
