use otel_runtime::traced;

#[traced(err)]
fn nothing() {}

#[traced(err)]
fn number() -> u32 {
    1
}

fn main() {
    nothing();
    number();
}
