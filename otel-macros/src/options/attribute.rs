//! One element of `attributes(...)`: `arg`, `?arg`, `%arg`, `key = expr`, `a.b = %expr`,
//! `"a.b" = expr`.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, LitStr, Token};

use super::format::{prefix_format, Format};

/// One element of `attributes(...)`.
pub(crate) struct Attribute {
    /// The attribute key, e.g. `order.total`.
    pub(crate) key: String,
    /// Where to point errors about it.
    pub(crate) key_span: Span,
    /// The recorded expression (an argument's name when no `= expr` was given).
    pub(crate) value: Expr,
    /// `Some(ident)` when the element named an argument without `= expr`.
    pub(crate) argument: Option<Ident>,
    /// How the value becomes an attribute value.
    pub(crate) format: Format,
}

impl Parse for Attribute {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        // `?arg` or `%arg`: an argument, formatted.
        if input.peek(Token![?]) || input.peek(Token![%]) {
            let format = prefix_format(input)?;
            let argument = Ident::parse_any(input)?;
            return Ok(Self::argument(argument, format));
        }
        let (key, key_span, single) = if input.peek(LitStr) {
            let literal: LitStr = input.parse()?;
            (literal.value(), literal.span(), None)
        } else {
            let first = Ident::parse_any(input)?;
            let mut key = first.to_string();
            let mut dotted = false;
            while input.peek(Token![.]) {
                input.parse::<Token![.]>()?;
                key.push('.');
                key.push_str(&Ident::parse_any(input)?.to_string());
                dotted = true;
            }
            let single = (!dotted).then(|| first.clone());
            (key, first.span(), single)
        };
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            let format = prefix_format(input)?;
            let value: Expr = input.parse()?;
            return Ok(Self {
                key,
                key_span,
                value,
                argument: None,
                format,
            });
        }
        match single {
            Some(argument) => Ok(Self::argument(argument, Format::Native)),
            None => Err(syn::Error::new(
                key_span,
                format!("attribute `{key}` needs a value: `{key} = expr`"),
            )),
        }
    }
}

impl Attribute {
    /// The element recording argument `argument` under its own (unraw) name.
    fn argument(argument: Ident, format: Format) -> Self {
        Self {
            key: argument.unraw().to_string(),
            key_span: argument.span(),
            value: syn::parse_quote!(#argument),
            argument: Some(argument),
            format,
        }
    }
}
