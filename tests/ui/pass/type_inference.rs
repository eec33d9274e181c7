use otel_runtime::traced;

trait Animal {}
struct Dog;
impl Animal for Dog {}

#[traced(err)]
async fn find(found: bool) -> Result<Box<dyn Animal>, std::io::Error> {
    if !found {
        return Err(std::io::Error::other("missing"));
    }
    Ok(Box::new(Dog))
}

#[traced]
fn parse(text: &str) -> Result<u32, Box<dyn std::error::Error>> {
    Ok(text.parse::<u32>()?)
}

fn main() {
    drop(find(true));
    let _ = parse("1");
}
