//! How a recorded value is turned into an attribute value: `x`, `?x`, `%x`, `ret(Debug)`, ...

use syn::parse::ParseStream;
use syn::{Ident, Token};

use crate::diagnostics::did_you_mean;

/// How a value is turned into an attribute value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// Natively (integers, floats, bools, strings): `x`.
    Native,
    /// With `Debug`: `?x`, `ret(Debug)`, `err(Debug)`.
    Debug,
    /// With `Display`: `%x`, `ret(Display)`, `err` (default).
    Display,
}

/// An optional `?` (Debug) or `%` (Display) before a value.
pub(crate) fn prefix_format(input: ParseStream) -> syn::Result<Format> {
    if input.peek(Token![?]) {
        input.parse::<Token![?]>()?;
        Ok(Format::Debug)
    } else if input.peek(Token![%]) {
        input.parse::<Token![%]>()?;
        Ok(Format::Display)
    } else {
        Ok(Format::Native)
    }
}

/// An optional `(Debug)` or `(Display)` after `err` / `ret`.
pub(crate) fn format_of(input: ParseStream, key: &Ident, default: Format) -> syn::Result<Format> {
    if input.peek(Token![=]) {
        return Err(syn::Error::new(
            key.span(),
            format!("option `{key}` takes no `= value`: write `{key}`, `{key}(Debug)` or `{key}(Display)`"),
        ));
    }
    if !input.peek(syn::token::Paren) {
        return Ok(default);
    }
    let content;
    syn::parenthesized!(content in input);
    let format: Ident = content.parse()?;
    match format.to_string().as_str() {
        "Debug" => Ok(Format::Debug),
        "Display" => Ok(Format::Display),
        other => Err(syn::Error::new(
            format.span(),
            format!(
                "unknown format `{other}` for `{key}`: expected `Debug` or `Display`{}",
                did_you_mean(other, &["Debug", "Display"])
            ),
        )),
    }
}
