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

/// Checks that `url` is an absolute `http` or `https` URL with a host, before any request.
pub fn check_url(url: &str) -> Result<(), String> {
    let uri: awc::http::Uri = url.parse().map_err(|error| format!("not a URL: {error}"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(other) => {
            return Err(format!(
                "scheme {other:?} is not supported: use http or https"
            ))
        }
        None => return Err("not an absolute URL: give it as http://host:port/path".to_owned()),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err("the URL has no host".to_owned());
    }
    Ok(())
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
    use super::check_url;

    #[test]
    fn urls_are_checked_before_sending() {
        assert!(check_url("http://127.0.0.1:8082/").is_ok());
        assert!(check_url("https://example.org/wiki/Rabbit").is_ok());
        assert!(check_url("not a url").unwrap_err().starts_with("not a URL"));
        assert!(check_url("ftp://127.0.0.1/").unwrap_err().contains("ftp"));
        assert!(check_url("/relative").unwrap_err().contains("absolute"));
    }
}
