use otel_runtime::traced;

type Outcome<T> = Result<T, std::io::Error>;

// Without `err` nothing says `Outcome` is a `Result`: `ret` records the value whole, and a
// `Result` has no `Display`. `#[traced(err, ret(Display))]` records its `Ok` value.
#[traced(ret(Display))]
fn level() -> Outcome<u8> {
    Ok(1)
}

fn main() {
    let _ = level();
}
