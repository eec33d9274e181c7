//! `kind = ...`: the OpenTelemetry span kind.

use proc_macro2::Span;
use syn::Ident;

/// The OpenTelemetry span kind chosen with `kind = ...`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `internal`, the default: an operation inside the process.
    Internal,
    /// `server`: an actix-web handler answering a request.
    Server,
    /// `client`: a function sending a request.
    Client,
    /// `producer`: a function handing a message to a broker.
    Producer,
    /// `consumer`: a function handling a message from a broker.
    Consumer,
}

/// The names `kind = ...` accepts, for messages.
pub(crate) const KIND_NAMES: &[&str] = &["internal", "server", "client", "producer", "consumer"];

impl Kind {
    /// The kind spelled `ident`, if any.
    pub(crate) fn from_ident(ident: &Ident) -> Option<Self> {
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
    pub(crate) fn variant(self) -> Ident {
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
