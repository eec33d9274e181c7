use otel_runtime::traced;

#[traced(kind = sever)]
async fn handler() {}

fn main() {
    drop(handler());
}
