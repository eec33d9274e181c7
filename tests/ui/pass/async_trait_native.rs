use otel_runtime::traced;

trait Store {
    async fn get(&self) -> u32;

    #[traced]
    async fn get_twice(&self) -> u32 {
        self.get().await * 2
    }
}

struct Memory;

impl Store for Memory {
    #[traced]
    async fn get(&self) -> u32 {
        1
    }
}

fn main() {
    drop(Memory.get_twice());
}
