//! The compile-time interface of `#[traced]`: what compiles, and the exact error for each misuse.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}
