//! The demo client of the HTTP integration example: one GET from a CLIENT span.

use std::borrow::Cow;

use otel_runtime::{traced, TracedRequest};

// The URL rules demo-server uses too: one file, compiled into both (see its header).
#[path = "../../demo-server/src/http_url.rs"]
mod http_url;

pub use http_url::{check_http_url as check_url, without_userinfo};

/// The `User-Agent` the client sends.
pub const USER_AGENT: &str = concat!("demo-client/", env!("CARGO_PKG_VERSION"));

/// Why the GET failed.
#[derive(Debug)]
pub enum FetchError {
    /// No response: bad URL, connection refused, timeout, ...
    Send(awc::error::SendRequestError),
    /// The server answered with a status that is not 2xx.
    Status(u16),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Send(error) => write!(f, "{error}"),
            Self::Status(status) => write!(f, "the server answered {status}"),
        }
    }
}

impl std::error::Error for FetchError {}

/// `text` with its control characters (and the bidirectional overrides, which reorder what
/// a terminal shows) escaped as `\n`, `\u{1b}`, ...: a response body is the server's text, and
/// printed raw it could move the cursor, rewrite earlier lines or forge lines of our own.
/// Borrowed as is when there is nothing to escape.
///
/// ```
/// assert_eq!(demo_client::printable("upstream answered 200"), "upstream answered 200");
/// assert_eq!(demo_client::printable("a\u{1b}[2Jb\r\n"), "a\\u{1b}[2Jb\\r\\n");
/// ```
pub fn printable(text: &str) -> Cow<'_, str> {
    let escaped =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// GETs `url` from a root CLIENT span and returns the response body.
#[traced(kind = client)]
pub async fn fetch(url: &str) -> Result<String, FetchError> {
    let client = awc::Client::builder()
        .add_default_header((awc::http::header::USER_AGENT, USER_AGENT))
        .finish();
    let mut response = client
        .get(url)
        .send_traced()
        .await
        .map_err(FetchError::Send)?;
    let status = response.status();
    let body = response
        .body()
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    if !status.is_success() {
        return Err(FetchError::Status(status.as_u16()));
    }
    Ok(body.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn bodies_print_without_control_characters() {
        assert_eq!(printable("upstream answered 200"), "upstream answered 200");
        assert_eq!(printable("tab\there"), "tab\\there");
        assert_eq!(
            printable("ok\u{1b}]0;title\u{7}\u{1b}[1A\rdemo-client: forged\n"),
            "ok\\u{1b}]0;title\\u{7}\\u{1b}[1A\\rdemo-client: forged\\n"
        );
        assert_eq!(printable("\u{9b}31m"), "\\u{9b}31m", "C1 controls too");
        assert_eq!(printable("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(printable("Kaninchen \u{1f407}"), "Kaninchen \u{1f407}");
    }
}
