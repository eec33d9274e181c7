//! Parsing of the `#[traced(...)]` options. Every problem is collected, each spanned on its own
//! token, so one compile reports them all.

mod attribute;
mod format;
mod kind;

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Path, Token};

pub(crate) use attribute::Attribute;
pub(crate) use format::Format;
pub(crate) use kind::Kind;

use crate::diagnostics::{did_you_mean, quoted, Errors};
use format::format_of;
use kind::KIND_NAMES;

/// The options of one `#[traced(...)]`; each keeps the span of its key for later errors.
#[derive(Default)]
pub(crate) struct Options {
    /// `name = "..."`.
    pub(crate) name: Option<LitStr>,
    /// `kind = ...`, with the span of the kind.
    pub(crate) kind: Option<(Kind, Span)>,
    /// `crate = path`.
    pub(crate) krate: Option<Path>,
    /// `attributes(...)`.
    pub(crate) attributes: Option<(Span, Vec<Attribute>)>,
    /// `err`, `err(Debug)`, `err(Display)`.
    pub(crate) err: Option<(Span, Format)>,
    /// `ret`, `ret(Debug)`, `ret(Display)`.
    pub(crate) ret: Option<(Span, Format)>,
    /// `parent = expr`.
    pub(crate) parent: Option<(Span, Expr)>,
    /// `root`.
    pub(crate) root: Option<Span>,
    /// `links(...)`.
    pub(crate) links: Option<(Span, Vec<Expr>)>,
    /// `code`.
    pub(crate) code: Option<Span>,
}

/// Every option name, for "expected one of" messages and did-you-mean suggestions.
const OPTION_NAMES: &[&str] = &[
    "name",
    "kind",
    "attributes",
    "err",
    "ret",
    "parent",
    "root",
    "links",
    "code",
    "crate",
];

impl Options {
    /// The span kind (`internal` unless `kind = ...` says otherwise).
    pub(crate) fn kind(&self) -> Kind {
        self.kind.map_or(Kind::Internal, |(kind, _)| kind)
    }

    /// Parses `input`, returning the options understood; every problem goes to `errors`.
    pub(crate) fn parse(input: TokenStream, errors: &mut Errors) -> Self {
        let mut collector = Collector {
            options: Self::default(),
            errors,
        };
        let parsed =
            syn::parse::Parser::parse2(|stream: ParseStream| collector.parse_all(stream), input);
        if let Err(error) = parsed {
            collector.errors.push(error);
        }
        collector.options
    }
}

/// The options parsed so far and the errors met on the way.
struct Collector<'a> {
    options: Options,
    errors: &'a mut Errors,
}

impl Collector<'_> {
    fn parse_all(&mut self, input: ParseStream) -> syn::Result<()> {
        while !input.is_empty() {
            if let Err(error) = self.parse_one(input) {
                self.errors.push(error);
                // Skip to the next option so later mistakes are reported too.
                while !input.is_empty() && !input.peek(Token![,]) {
                    input.parse::<proc_macro2::TokenTree>()?;
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(())
    }

    fn parse_one(&mut self, input: ParseStream) -> syn::Result<()> {
        let key = Ident::parse_any(input).map_err(|error| {
            syn::Error::new(
                error.span(),
                format!("expected an option: one of {}", quoted(OPTION_NAMES)),
            )
        })?;
        let key_name = key.to_string();
        let options = &mut self.options;
        match key_name.as_str() {
            "name" => {
                let value: LitStr =
                    value_of(input, &key, "a string literal, e.g. `name = \"checkout\"`")?;
                set_once(&mut options.name, value, &key)
            }
            "kind" => {
                let expected = format!("a span kind: one of {}", quoted(KIND_NAMES));
                let value: Ident = value_of(input, &key, &expected)?;
                let kind = Kind::from_ident(&value).ok_or_else(|| {
                    syn::Error::new(
                        value.span(),
                        format!(
                            "unknown span kind `{value}`: expected one of {}{}",
                            quoted(KIND_NAMES),
                            did_you_mean(&value.to_string(), KIND_NAMES)
                        ),
                    )
                })?;
                set_once(&mut options.kind, (kind, value.span()), &key)
            }
            "crate" => {
                let value: Path = value_of(input, &key, "a path, e.g. `crate = my_crate::otel`")?;
                set_once(&mut options.krate, value, &key)
            }
            "parent" => {
                let value: Expr = value_of(
                    input,
                    &key,
                    "an expression giving a `Context` or `SpanContext`",
                )?;
                set_once(&mut options.parent, (key.span(), value), &key)
            }
            "attributes" => {
                let content = list_of(input, &key, "`attributes(arg, key = expr, ?arg, %arg)`")?;
                let items = Punctuated::<Attribute, Token![,]>::parse_terminated(&content)?;
                set_once(
                    &mut options.attributes,
                    (key.span(), items.into_iter().collect()),
                    &key,
                )
            }
            "links" => {
                let content = list_of(input, &key, "`links(span_context, ...)`")?;
                let items = Punctuated::<Expr, Token![,]>::parse_terminated(&content)?;
                set_once(
                    &mut options.links,
                    (key.span(), items.into_iter().collect()),
                    &key,
                )
            }
            "err" => {
                let format = format_of(input, &key, Format::Display)?;
                set_once(&mut options.err, (key.span(), format), &key)
            }
            "ret" => {
                let format = format_of(input, &key, Format::Native)?;
                set_once(&mut options.ret, (key.span(), format), &key)
            }
            "root" => {
                no_value(input, &key)?;
                set_once(&mut options.root, key.span(), &key)
            }
            "code" => {
                no_value(input, &key)?;
                set_once(&mut options.code, key.span(), &key)
            }
            _ => Err(syn::Error::new(
                key.span(),
                format!(
                    "unknown option `{key_name}`: expected one of {}{}",
                    quoted(OPTION_NAMES),
                    did_you_mean(&key_name, OPTION_NAMES)
                ),
            )),
        }
    }
}

/// The parenthesised list after `key`.
fn list_of<'a>(
    input: ParseStream<'a>,
    key: &Ident,
    example: &str,
) -> syn::Result<syn::parse::ParseBuffer<'a>> {
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            key.span(),
            format!("option `{key}` takes a list in parentheses: {example}"),
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    Ok(content)
}

/// Parses `= value` after `key`, with a message naming what is expected when it is missing.
fn value_of<T: Parse>(input: ParseStream, key: &Ident, expected: &str) -> syn::Result<T> {
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(
            key.span(),
            format!("option `{key}` needs a value: `{key} = ...` with {expected}"),
        ));
    }
    input.parse::<Token![=]>()?;
    input
        .parse()
        .map_err(|error| syn::Error::new(error.span(), format!("`{key}` expects {expected}")))
}

/// Checks that a flag (`root`, `code`) is written alone.
fn no_value(input: ParseStream, key: &Ident) -> syn::Result<()> {
    if input.is_empty() || input.peek(Token![,]) {
        Ok(())
    } else {
        Err(syn::Error::new(
            key.span(),
            format!("option `{key}` takes no value: write just `{key}`"),
        ))
    }
}

/// Stores an option's value, refusing a second one for the same key.
fn set_once<T>(slot: &mut Option<T>, value: T, key: &Ident) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(
            key.span(),
            format!("duplicate option `{key}`: give it once"),
        ));
    }
    *slot = Some(value);
    Ok(())
}
