//! Expansion-level tests of the whole pipeline (the trybuild suite in `tests/ui` checks what
//! users see).

use super::expand;

#[test]
fn disabled_feature_leaves_the_function_unchanged() {
    let item: proc_macro2::TokenStream = quote::quote!(
        fn work(a: u32) -> u32 {
            a + 1
        }
    );
    let expanded = expand(quote::quote!(name = "w"), item.clone()).to_string();
    if cfg!(feature = "disabled") {
        assert_eq!(expanded, item.to_string());
    } else {
        assert!(expanded.contains("start_traced"), "{expanded}");
    }
}

#[test]
fn errors_keep_the_function() {
    let item = quote::quote!(
        fn work() {}
    );
    let expanded = expand(quote::quote!(nmae = "w", kind = sever), item).to_string();
    assert!(expanded.contains("unknown option `nmae`"), "{expanded}");
    assert!(expanded.contains("unknown span kind `sever`"), "{expanded}");
    assert!(expanded.contains("fn work"), "{expanded}");
}

#[test]
fn a_body_syntax_error_is_left_to_rustc() {
    let item = quote::quote!(
        fn broken() -> u32 {
            let x = 1 +;
            x
        }
    );
    let expanded = expand(quote::quote!(ret), item.clone()).to_string();
    assert_eq!(expanded, item.to_string());
    let expanded = expand(quote::quote!(nmae = "b"), item).to_string();
    assert!(expanded.contains("unknown option `nmae`"), "{expanded}");
    assert!(!expanded.contains("applies to functions"), "{expanded}");
}

#[test]
fn other_items_are_refused() {
    let expanded = expand(
        quote::quote!(),
        quote::quote!(
            struct Work;
        ),
    )
    .to_string();
    assert!(expanded.contains("applies to functions"), "{expanded}");
}

#[test]
fn with_err_ret_records_the_ok_value_of_any_alias() {
    if cfg!(feature = "disabled") {
        return;
    }
    let item = quote::quote!(
        fn level() -> Outcome<u8> {
            Ok(1)
        }
    );
    let with_err = expand(quote::quote!(err, ret), item.clone()).to_string();
    assert!(
        with_err.contains(":: core :: result :: Result :: Ok"),
        "{with_err}"
    );
    // Without `err` nothing says `Outcome` is a `Result`: the value is recorded whole.
    let without_err = expand(quote::quote!(ret(Debug)), item).to_string();
    assert!(!without_err.contains("Result :: Ok"), "{without_err}");
}

#[test]
fn server_extractors_are_bound_once_the_span_has_started() {
    if cfg!(feature = "disabled") {
        return;
    }
    let item = quote::quote!(
        async fn handler(web::Json(note): web::Json<String>, id: web::Path<u32>) -> String {
            note
        }
    );
    let expanded = expand(quote::quote!(kind = server, attributes(id = *id)), item).to_string();
    let position = |needle: &str| {
        expanded
            .find(needle)
            .unwrap_or_else(|| panic!("no `{needle}` in {expanded}"))
    };
    // The signature: the request first, then each extractor as its `Result`.
    let request =
        position("__otel_request : :: otel_runtime :: __private :: actix :: ServerRequest");
    let json = position(
        "__otel_arg_0 : :: otel_runtime :: __private :: actix :: Extracted < web :: Json < String > >",
    );
    let path = position(
        "__otel_arg_1 : :: otel_runtime :: __private :: actix :: Extracted < web :: Path < u32 > >",
    );
    // The body: the span, the arguments bound again (or the rejection answered), the
    // attributes that may name them, then the user's body.
    let start = position("start_server_span");
    let bind_json =
        position("let web :: Json (note) : web :: Json < String > = match __otel_arg_0");
    let bind_path = position("let id : web :: Path < u32 > = match __otel_arg_1");
    let rejected = position("Traced :: rejected (__otel_cx , __otel_rejection)");
    let enrich = position("enrich_span");
    assert!(request < json && json < path && path < start, "{expanded}");
    assert!(
        start < bind_json && bind_json < rejected && rejected < bind_path,
        "{expanded}"
    );
    assert!(bind_path < enrich, "{expanded}");
}
