use otel_runtime::traced;

#[traced(name)]
fn work() {}

fn main() {
    work();
}
