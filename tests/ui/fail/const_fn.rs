use otel_runtime::traced;

#[traced]
const fn work() -> u32 {
    1
}

fn main() {
    work();
}
