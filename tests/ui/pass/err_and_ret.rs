use otel_runtime::traced;

type Result<T> = std::result::Result<T, std::io::Error>;

#[traced(err, ret)]
fn read(path: &str) -> Result<usize> {
    let text = std::fs::read_to_string(path)?;
    Ok(text.len())
}

#[traced(err(Debug), ret(Display))]
async fn boxed(fail: bool) -> std::result::Result<String, Box<dyn std::error::Error>> {
    if fail {
        Err("failed")?;
    }
    Ok("fine".to_owned())
}

#[traced(ret(Debug))]
fn pair() -> (u8, u8) {
    (1, 2)
}

fn main() {
    let _ = read("/nonexistent");
    drop(boxed(true));
    pair();
}
