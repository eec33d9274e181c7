use std::fmt::Display;

use otel_runtime::traced;

#[traced]
fn show<T, U: Display>(first: T, second: U) -> String
where
    T: Display,
{
    format!("{first}{second}")
}

#[traced]
fn first<'a>(items: &'a [String]) -> Option<&'a String> {
    items.first()
}

fn main() {
    assert_eq!(show(1, "a"), "1a");
    assert_eq!(first(&[]), None);
}
