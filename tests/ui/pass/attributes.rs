use otel_runtime::traced;

#[derive(Debug)]
struct User {
    id: u64,
}

#[traced(attributes(id, ?user, shown = %name, user.id = user.id, "http.route" = "/users"))]
fn show(id: u32, user: &User, name: &str) -> String {
    format!("{id} {user:?} {name}")
}

fn main() {
    show(1, &User { id: 1 }, "ada");
}
