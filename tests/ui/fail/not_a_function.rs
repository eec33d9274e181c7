use otel_runtime::traced;

#[traced]
struct Work;

fn main() {
    let _ = Work;
}
