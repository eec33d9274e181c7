use otel_runtime::traced;

#[traced(nmae = "x", kind = clint, ret(Pretty), attributes(missing))]
fn work(present: u32) -> u32 {
    present
}

fn main() {
    work(1);
}
