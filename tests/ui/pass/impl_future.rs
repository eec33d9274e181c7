use std::future::Future;
use std::pin::Pin;

use otel_runtime::traced;

#[traced]
fn later(value: u32) -> impl Future<Output = u32> {
    async move { value }
}

#[traced(err)]
fn boxed(value: u32) -> Pin<Box<dyn Future<Output = Result<u32, String>> + Send>> {
    Box::pin(async move { Ok(value) })
}

fn main() {
    drop(later(1));
    drop(boxed(1));
}
