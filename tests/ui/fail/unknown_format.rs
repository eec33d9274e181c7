use otel_runtime::traced;

#[traced(err(Dbg))]
fn work() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = work();
}
