#![deny(unused_must_use)]

use otel_runtime::traced;

#[must_use]
#[traced]
fn important() -> u32 {
    1
}

fn main() {
    important();
}
