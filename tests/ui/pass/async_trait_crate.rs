use otel_runtime::traced;

#[async_trait::async_trait]
trait Store {
    async fn get(&self, key: &str) -> Option<u32>;
}

struct Memory;

#[async_trait::async_trait]
impl Store for Memory {
    #[traced(ret(Debug), attributes(key))]
    async fn get(&self, key: &str) -> Option<u32> {
        key.parse().ok()
    }
}

fn main() {
    drop(Memory.get("1"));
}
