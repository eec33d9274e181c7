use otel_runtime::traced;

// The error is rustc's own, at the offending token: not "applies to functions only".
#[traced(err, ret)]
fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
    let doubled = text.parse::<u32>()? * ;
    Ok(doubled)
}

fn main() {
    let _ = parse("1");
}
