use otel_runtime::traced;

#[traced(name = 5)]
fn work() {}

fn main() {
    work();
}
