use otel_runtime::traced;

#[traced(attributes(user_id))]
fn work(user: u32) -> u32 {
    user
}

fn main() {
    work(1);
}
