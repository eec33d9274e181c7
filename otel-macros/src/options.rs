//! Parsing of the `#[traced(...)]` options. Every problem is collected, each spanned on its own
//! token, so one compile reports them all.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Path, Token};

/// The OpenTelemetry span kind chosen with `kind = ...`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

const KIND_NAMES: &[&str] = &["internal", "server", "client", "producer", "consumer"];

impl Kind {
    fn from_ident(ident: &Ident) -> Option<Self> {
        Some(match ident.to_string().as_str() {
            "internal" => Self::Internal,
            "server" => Self::Server,
            "client" => Self::Client,
            "producer" => Self::Producer,
            "consumer" => Self::Consumer,
            _ => return None,
        })
    }

    /// The variant of `opentelemetry::trace::SpanKind`.
    pub fn variant(self) -> Ident {
        let name = match self {
            Self::Internal => "Internal",
            Self::Server => "Server",
            Self::Client => "Client",
            Self::Producer => "Producer",
            Self::Consumer => "Consumer",
        };
        Ident::new(name, Span::call_site())
    }
}

/// How a value is turned into an attribute value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Natively (integers, floats, bools, strings): `x`.
    Native,
    /// With `Debug`: `?x`, `ret(Debug)`, `err(Debug)`.
    Debug,
    /// With `Display`: `%x`, `ret(Display)`, `err` (default).
    Display,
}

/// One element of `attributes(...)`.
pub struct Attribute {
    /// The attribute key, e.g. `order.total`.
    pub key: String,
    /// Where to point errors about it.
    pub key_span: Span,
    /// The recorded expression (an argument's name when no `= expr` was given).
    pub value: Expr,
    /// `Some(ident)` when the element named an argument without `= expr`.
    pub argument: Option<Ident>,
    pub format: Format,
}

/// The options of one `#[traced(...)]`.
#[derive(Default)]
pub struct Options {
    pub name: Option<LitStr>,
    pub kind: Option<(Kind, Span)>,
    pub krate: Option<Path>,
    pub attributes: Option<(Span, Vec<Attribute>)>,
    pub err: Option<(Span, Format)>,
    pub ret: Option<(Span, Format)>,
    pub parent: Option<(Span, Expr)>,
    pub root: Option<Span>,
    pub links: Option<(Span, Vec<Expr>)>,
    pub code: Option<Span>,
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
    pub fn kind(&self) -> Kind {
        self.kind.map_or(Kind::Internal, |(kind, _)| kind)
    }

    /// Parses `input`, returning the options understood and every error found.
    pub fn parse(input: TokenStream) -> (Self, Option<syn::Error>) {
        let mut collector = Collector {
            options: Self::default(),
            errors: None,
        };
        let parsed =
            syn::parse::Parser::parse2(|stream: ParseStream| collector.parse_all(stream), input);
        if let Err(error) = parsed {
            collector.push(error);
        }
        (collector.options, collector.errors)
    }
}

struct Collector {
    options: Options,
    errors: Option<syn::Error>,
}

impl Collector {
    fn push(&mut self, error: syn::Error) {
        match &mut self.errors {
            Some(errors) => errors.combine(error),
            None => self.errors = Some(error),
        }
    }

    fn parse_all(&mut self, input: ParseStream) -> syn::Result<()> {
        while !input.is_empty() {
            if let Err(error) = self.parse_one(input) {
                self.push(error);
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
            "err" | "ret" => {
                let default = if key_name == "err" {
                    Format::Display
                } else {
                    Format::Native
                };
                let format = format_of(input, &key, default)?;
                let slot = if key_name == "err" {
                    &mut options.err
                } else {
                    &mut options.ret
                };
                set_once(slot, (key.span(), format), &key)
            }
            "root" | "code" => {
                no_value(input, &key)?;
                let slot = if key_name == "root" {
                    &mut options.root
                } else {
                    &mut options.code
                };
                set_once(slot, key.span(), &key)
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

/// An optional `?` (Debug) or `%` (Display) before a value.
fn prefix_format(input: ParseStream) -> syn::Result<Format> {
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
fn format_of(input: ParseStream, key: &Ident, default: Format) -> syn::Result<Format> {
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

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `; did you mean `x`?` for the closest candidate within two edits, or nothing.
pub fn did_you_mean(given: &str, candidates: &[&str]) -> String {
    candidates
        .iter()
        .map(|candidate| (edit_distance(given, candidate), candidate))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map_or_else(String::new, |(_, candidate)| {
            format!("; did you mean `{candidate}`?")
        })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}
