//! The README's service example is `otel-runtime/examples/minimal_service.rs` word for word, so
//! the README cannot drift from an API the example (compiled by `cargo test`) uses.

#[test]
fn the_readme_shows_the_compiled_example() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    let example =
        std::fs::read_to_string(format!("{root}/otel-runtime/examples/minimal_service.rs"))
            .expect("the example");
    let block = format!("```rust\n{example}```");
    assert!(
        readme.contains(&block),
        "README.md must show otel-runtime/examples/minimal_service.rs verbatim in a ```rust block"
    );
}
