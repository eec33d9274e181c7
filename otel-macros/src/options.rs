//! Parsing of the `#[traced(...)]` options. Every problem is collected, each spanned on its own
//! token, so one compile reports them all.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Path, Token};

/// The OpenTelemetry span kind chosen with `kind = ...`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

impl Kind {
    const ACCEPTED: &'static str = "`internal`, `server`, `client`, `producer`, `consumer`";

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

/// The options of one `#[traced(...)]`.
#[derive(Default)]
pub struct Options {
    pub name: Option<LitStr>,
    pub kind: Option<(Kind, Span)>,
    pub krate: Option<Path>,
}

/// Every option name, for "expected one of" messages and did-you-mean suggestions.
const OPTION_NAMES: &[&str] = &["name", "kind", "crate"];

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
        let key: Ident = if input.peek(Token![crate]) {
            let token: Token![crate] = input.parse()?;
            Ident::new("crate", token.span)
        } else {
            input.parse().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    format!("expected an option: one of {}", quoted(OPTION_NAMES)),
                )
            })?
        };
        let key_name = key.to_string();
        match key_name.as_str() {
            "name" => {
                let value: LitStr =
                    value_of(input, &key, "a string literal, e.g. `name = \"checkout\"`")?;
                set_once(&mut self.options.name, value, &key)
            }
            "kind" => {
                let value: Ident = value_of(
                    input,
                    &key,
                    &format!("a span kind: one of {}", Kind::ACCEPTED),
                )?;
                let kind = Kind::from_ident(&value).ok_or_else(|| {
                    syn::Error::new(
                        value.span(),
                        format!(
                            "unknown span kind `{value}`: expected one of {}{}",
                            Kind::ACCEPTED,
                            did_you_mean(
                                &value.to_string(),
                                &["internal", "server", "client", "producer", "consumer"]
                            )
                        ),
                    )
                })?;
                set_once(&mut self.options.kind, (kind, value.span()), &key)
            }
            "crate" => {
                let value: Path = value_of(input, &key, "a path, e.g. `crate = my_crate::otel`")?;
                set_once(&mut self.options.krate, value, &key)
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
