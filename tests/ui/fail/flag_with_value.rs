use otel_runtime::traced;

#[traced(root = true, err = 1)]
fn work() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = work();
}
