use otel_runtime::traced;

struct Opaque;

#[traced(attributes(value))]
fn work(value: Opaque) {
    let _ = value;
}

fn main() {
    work(Opaque);
}
