//! The demo client of the HTTP integration example: one GET from a CLIENT span.

use otel_runtime::{traced, TracedRequest};

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
