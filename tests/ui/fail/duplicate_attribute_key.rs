use otel_runtime::traced;

#[traced(attributes(id, id = 2))]
fn work(id: u32) {
    let _ = id;
}

fn main() {
    work(1);
}
