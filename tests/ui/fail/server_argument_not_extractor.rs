use otel_runtime::traced;

struct Settings {
    verbose: bool,
}

// Reported at the argument's type (actix itself would report it where the handler is
// registered, `.to(handler)`, naming the whole function type).
#[traced(kind = server)]
async fn handler(settings: Settings) -> String {
    format!("{}", settings.verbose)
}

fn main() {}
