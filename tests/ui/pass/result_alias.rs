use std::fmt;
use std::future::Future;

use otel_runtime::traced;

#[derive(Debug)]
struct AppError;

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("app error")
    }
}

// A `Result` under another name: `err` proves it is one, so `ret` records its `Ok` value.
type Outcome<T> = Result<T, AppError>;

#[traced(err, ret)]
fn parse(text: &str) -> Outcome<u32> {
    text.parse().map_err(|_| AppError)
}

#[traced(err(Debug), ret(Display))]
async fn load(id: u32) -> Outcome<String> {
    if id == 0 {
        return Err(AppError);
    }
    Ok(format!("item {id}"))
}

#[traced(err, ret(Debug))]
fn later(id: u32) -> impl Future<Output = Outcome<Vec<u32>>> {
    async move { Ok(vec![id]) }
}

fn main() {
    let _ = parse("1");
    drop(load(1));
    drop(later(1));
}
