//! The annotated item, parsed signature first.
//!
//! As tracing-attributes' `MaybeItemFn`: the attributes, visibility and signature are parsed,
//! and the body is kept as tokens until the item is known to be a function. A syntax error
//! inside the body then stays rustc's to report, at its own token, instead of being mistaken
//! for "not a function".

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream, Parser};
use syn::{Attribute, Block, ItemFn, Signature, Visibility};

/// A function whose body has not been parsed yet.
pub(crate) struct UnparsedFn {
    attrs: Vec<Attribute>,
    vis: Visibility,
    sig: Signature,
    /// The `{ ... }` of the body, as written.
    body: Group,
}

impl Parse for UnparsedFn {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let body: Group = input.parse()?;
        if body.delimiter() != Delimiter::Brace {
            return Err(syn::Error::new(body.span(), "expected a function body"));
        }
        Ok(Self {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

impl UnparsedFn {
    /// Parses the body as `syn::ItemFn` would (inner attributes join the function's); an error
    /// is a syntax error inside the body.
    pub(crate) fn parse_body(self) -> syn::Result<ItemFn> {
        let Self {
            mut attrs,
            vis,
            sig,
            body,
        } = self;
        let parse_block = |input: ParseStream| {
            let content;
            let brace_token = syn::braced!(content in input);
            attrs.extend(content.call(Attribute::parse_inner)?);
            let stmts = content.call(Block::parse_within)?;
            Ok(Block { brace_token, stmts })
        };
        let block = parse_block.parse2(TokenStream::from(TokenTree::Group(body)))?;
        Ok(ItemFn {
            attrs,
            vis,
            sig,
            block: Box::new(block),
        })
    }
}

/// Whether `item` is written as a function with a body (a top-level `fn`, a `{ ... }` last),
/// though its signature did not parse: rustc reports that syntax error itself.
pub(crate) fn looks_like_function(item: &TokenStream) -> bool {
    let tokens: Vec<TokenTree> = item.clone().into_iter().collect();
    let has_fn = tokens
        .iter()
        .any(|token| matches!(token, TokenTree::Ident(ident) if ident == "fn"));
    let ends_in_body = matches!(
        tokens.last(),
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace
    );
    has_fn && ends_in_body
}

/// The error for `#[traced]` on something that is not a function with a body, on its first
/// word (`struct`, `mod`, ...).
pub(crate) fn not_a_function(item: &TokenStream) -> syn::Error {
    let span = item
        .clone()
        .into_iter()
        .find(|token| !matches!(token, TokenTree::Punct(_)))
        .map_or_else(Span::call_site, |token| token.span());
    syn::Error::new(
        span,
        "#[traced] applies to functions and methods with a body only",
    )
}

#[cfg(test)]
mod tests {
    use super::{looks_like_function, UnparsedFn};

    #[test]
    fn inner_attributes_join_the_function() {
        let unparsed: UnparsedFn = syn::parse_quote!(
            #[inline]
            pub fn work() {
                #![allow(unused)]
                let x = 1;
            }
        );
        let function = unparsed.parse_body();
        let function = function.map_err(|error| error.to_string());
        assert_eq!(function.as_ref().map(|f| f.attrs.len()), Ok(2));
        assert_eq!(function.map(|f| f.block.stmts.len()), Ok(1));
    }

    #[test]
    fn a_body_syntax_error_is_not_a_signature_error() {
        let unparsed: syn::Result<UnparsedFn> = syn::parse2(quote::quote!(
            fn broken() -> u32 {
                let x = 1 +;
                x
            }
        ));
        let body = unparsed.map(UnparsedFn::parse_body);
        assert!(matches!(body, Ok(Err(_))));
    }

    #[test]
    fn tells_functions_from_other_items() {
        assert!(looks_like_function(&quote::quote!(fn f(a: ) {})));
        assert!(!looks_like_function(&quote::quote!(
            struct S;
        )));
        assert!(!looks_like_function(&quote::quote!(
            fn f();
        )));
        assert!(!looks_like_function(&quote::quote!(impl S { fn f() {} })));
    }
}
