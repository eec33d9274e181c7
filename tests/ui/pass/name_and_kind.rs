use otel_runtime::traced;

#[traced(name = "checkout", kind = internal)]
fn checkout() {}

#[traced(kind = producer)]
fn publish() {}

#[traced(kind = consumer, name = "receive")]
async fn receive() {}

#[traced(kind = client)]
async fn call() {}

fn main() {
    checkout();
    publish();
    drop(receive());
    drop(call());
}
