use otel_runtime::traced;

#[traced]
async fn double(value: u32) -> u32 {
    value * 2
}

fn main() {
    drop(double(1));
}
