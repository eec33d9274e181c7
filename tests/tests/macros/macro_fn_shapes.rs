//! `#[traced]` on the less common function shapes: each keeps compiling, behaving and typing as
//! without the macro, and makes the span it should.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;

use opentelemetry::trace::Status;
use opentelemetry::Key;
use otel_runtime::testing::{self, is_child_of};
use otel_runtime::traced;

trait Shape {
    fn area(&self) -> f64;
}

struct Square(f64);

impl Shape for Square {
    fn area(&self) -> f64 {
        self.0 * self.0
    }
}

/// Native `async fn` in a trait, with a traced default method and a traced impl.
trait Store {
    async fn load(&self, key: u32) -> u32;

    #[traced]
    async fn load_twice(&self, key: u32) -> u32 {
        self.load(key).await + self.load(key).await
    }
}

struct MemoryStore;

impl Store for MemoryStore {
    #[traced]
    async fn load(&self, key: u32) -> u32 {
        key
    }
}

#[async_trait::async_trait]
trait Repository {
    async fn find(&self, id: u32) -> Option<String>;
}

struct Users;

#[async_trait::async_trait]
impl Repository for Users {
    #[traced(ret(Debug))]
    async fn find(&self, id: u32) -> Option<String> {
        actix_rt::task::yield_now().await;
        (id == 1).then(|| "ada".to_owned())
    }
}

#[traced]
fn returns_impl_future(value: u32) -> impl Future<Output = u32> {
    let doubled = value * 2;
    async move { doubled + 1 }
}

#[traced(err)]
fn returns_boxed_future(fail: bool) -> Pin<Box<dyn Future<Output = Result<u32, String>> + Send>> {
    Box::pin(async move {
        if fail {
            return Err("no".to_owned());
        }
        Ok(1)
    })
}

#[traced]
fn impl_trait_in_and_out(shape: impl Shape, label: impl Display) -> impl Display {
    format!("{label}: {}", shape.area())
}

#[traced]
fn longest<'a>(first: &'a str, second: &'a str) -> &'a str {
    if first.len() >= second.len() {
        first
    } else {
        second
    }
}

#[traced]
fn elided(text: &str) -> &str {
    text.trim()
}

struct Ticker {
    ticks: u32,
}

impl Ticker {
    #[traced]
    fn tick(self: Pin<&mut Self>) -> u32 {
        let this = self.get_mut();
        this.ticks += 1;
        this.ticks
    }

    #[traced]
    fn make() -> Self {
        Self { ticks: 0 }
    }
}

/// # Safety
/// `pointer` must be valid for reads.
#[traced]
unsafe fn read_raw(pointer: *const u32) -> u32 {
    unsafe { *pointer }
}

#[traced]
fn sum_array<const N: usize>(values: [u32; N]) -> u32 {
    values.iter().sum()
}

#[traced]
fn factorial(n: u64) -> u64 {
    if n <= 1 {
        1
    } else {
        n * factorial(n - 1)
    }
}

/// Documented and `#[must_use]`: both kept.
#[must_use]
#[traced]
fn must_use_value() -> u32 {
    5
}

#[traced]
fn never_returns() -> ! {
    panic!("gave up");
}

#[traced]
async fn closures_and_blocks(values: Vec<u32>) -> u32 {
    let add = |a: u32, b: u32| a + b;
    let inner = async { values.iter().copied().fold(0, add) };
    inner.await
}

trait Animal: Send {
    fn name(&self) -> &str;
}

struct Dog;

impl Animal for Dog {
    fn name(&self) -> &str {
        "dog"
    }
}

#[derive(Debug)]
struct NotFound;

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not found")
    }
}

/// The shape whose inference broke tracing's macro (tracing #1053).
#[traced(err)]
async fn boxed_trait_object(found: bool) -> Result<Box<dyn Animal>, NotFound> {
    if !found {
        return Err(NotFound);
    }
    Ok(Box::new(Dog))
}

#[actix_rt::test]
async fn native_async_fn_in_traits() {
    let capture = testing::capture();
    assert_eq!(MemoryStore.load_twice(2).await, 4);
    let parent = capture.span("load_twice");
    let loads: Vec<_> = capture
        .spans()
        .into_iter()
        .filter(|span| span.name == "load")
        .collect();
    assert_eq!(loads.len(), 2);
    assert!(loads.iter().all(|load| is_child_of(load, &parent)));
}

#[actix_rt::test]
async fn async_trait_crate_methods_span_the_whole_future() {
    let capture = testing::capture();
    assert_eq!(Users.find(1).await.as_deref(), Some("ada"));
    let span = capture.span("find");
    let value = span
        .attributes
        .iter()
        .find(|kv| kv.key == Key::from_static_str(otel_runtime::RETURN_VALUE_ATTRIBUTE))
        .map(|kv| kv.value.as_str().into_owned());
    assert_eq!(value.as_deref(), Some("Some(\"ada\")"));
}

#[actix_rt::test]
async fn impl_future_and_boxed_futures_end_when_the_future_does() {
    let capture = testing::capture();
    let future = returns_impl_future(3);
    assert!(
        capture.spans().is_empty(),
        "the span ends with the future, not at the call"
    );
    assert_eq!(future.await, 7);
    assert_eq!(capture.spans().len(), 1);

    assert_eq!(returns_boxed_future(true).await, Err("no".to_owned()));
    assert_eq!(
        capture.span("returns_boxed_future").status,
        Status::error("no")
    );
}

#[test]
fn impl_trait_lifetimes_and_pinned_receivers() {
    let capture = testing::capture();
    assert_eq!(
        impl_trait_in_and_out(Square(2.0), "area").to_string(),
        "area: 4"
    );
    assert_eq!(longest("ab", "abc"), "abc");
    assert_eq!(elided("  x "), "x");
    let mut ticker = Ticker::make();
    assert_eq!(Pin::new(&mut ticker).tick(), 1);
    let names: Vec<_> = capture
        .spans()
        .iter()
        .map(|span| span.name.to_string())
        .collect();
    assert_eq!(
        names,
        ["impl_trait_in_and_out", "longest", "elided", "make", "tick"]
    );
}

#[test]
fn unsafe_const_generic_recursive_and_must_use_functions() {
    let capture = testing::capture();
    let value = 11;
    // SAFETY: a reference to a live local.
    assert_eq!(unsafe { read_raw(&value) }, 11);
    assert_eq!(sum_array([1, 2, 3]), 6);
    assert_eq!(factorial(4), 24);
    assert_eq!(must_use_value(), 5);
    let spans = capture.spans();
    let factorials: Vec<_> = spans
        .iter()
        .filter(|span| span.name == "factorial")
        .collect();
    assert_eq!(factorials.len(), 4);
    // Each recursive call is the child of the one before (which ends after it).
    for pair in factorials.windows(2) {
        assert!(is_child_of(pair[0], pair[1]));
    }
    assert!(spans.iter().any(|span| span.name == "read_raw"));
    assert!(spans.iter().any(|span| span.name == "sum_array"));
}

#[test]
fn never_returning_functions_record_their_panic() {
    let capture = testing::capture();
    assert!(std::panic::catch_unwind(|| never_returns()).is_err());
    assert!(matches!(
        capture.span("never_returns").status,
        Status::Error { .. }
    ));
}

#[actix_rt::test]
async fn closures_async_blocks_and_trait_objects_keep_their_types() {
    let capture = testing::capture();
    assert_eq!(closures_and_blocks(vec![1, 2, 3]).await, 6);
    assert_eq!(
        boxed_trait_object(true)
            .await
            .map(|animal| animal.name().to_owned())
            .ok()
            .as_deref(),
        Some("dog")
    );
    assert!(boxed_trait_object(false).await.is_err());
    let failed: Vec<_> = capture
        .spans()
        .into_iter()
        .filter(|span| span.name == "boxed_trait_object" && span.status != Status::Unset)
        .collect();
    assert_eq!(failed.len(), 1);
}
