//! HTTP client side: the CLIENT span of one outgoing request ([`call`]), the awc glue and
//! middleware, and the reqwest glue.

#[cfg(feature = "awc")]
mod awc;
#[cfg(feature = "awc")]
mod awc_middleware;
mod call;
#[cfg(feature = "reqwest")]
mod reqwest;

use std::future::Future;

#[cfg(feature = "awc")]
pub use self::awc::{SendResult, TracedSendBody};
#[cfg(feature = "awc")]
pub use self::awc_middleware::{TraceRequests, TraceRequestsService};

/// Sends HTTP requests traced: awc's `ClientRequest` and, with the `reqwest` feature,
/// `reqwest::RequestBuilder`.
///
/// Inside a `#[traced(kind = client)]` function the request is recorded on that function's
/// CLIENT span (renamed `{method}`, or `HTTP` for a method outside the known ones, unless the
/// attribute gave a name); anywhere else a CLIENT span is started for the request alone, child
/// of the current context. Either way the request's headers carry the CLIENT span's context
/// (with the installed propagator), and the span records `http.request.method` (with
/// `http.request.method_original` for an unknown method), `url.full` (credentials and signed
/// query values redacted), `server.address`, `server.port`, `http.response.status_code`,
/// `network.protocol.version`, and Error status with `error.type` for a status >= 400 (the
/// status code) or a transport failure (`timeout`, `connect_error`, `name_resolution_error`,
/// ...).
///
/// ```no_run
/// use otel_runtime::{traced, TracedRequest};
///
/// #[traced(kind = client)]
/// async fn fetch(client: &awc::Client, url: &str) -> Result<u16, awc::error::SendRequestError> {
///     let response = client.get(url).send_traced().await?;
///     Ok(response.status().as_u16())
/// }
/// ```
pub trait TracedRequest {
    /// What sending yields: the client library's response or its error.
    type Output;

    /// Sends the request, traced.
    fn send_traced(self) -> impl Future<Output = Self::Output>;
}
