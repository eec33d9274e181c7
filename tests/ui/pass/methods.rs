use otel_runtime::traced;

struct Counter(u32);

impl Counter {
    #[traced]
    fn get(&self) -> u32 {
        self.0
    }

    #[traced]
    fn bump(&mut self) {
        self.0 += 1;
    }

    #[traced]
    fn into_inner(self) -> u32 {
        self.0
    }

    #[traced]
    async fn later(&self) -> u32 {
        self.0
    }
}

fn main() {
    let mut counter = Counter(0);
    counter.bump();
    drop(counter.later());
    assert_eq!(counter.get(), counter.into_inner());
}
