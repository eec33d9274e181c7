//! HTTP glue: header carriers, the semantic-convention attributes and metrics, the actix-web
//! server side (handler glue) and the awc client side.

#[cfg(feature = "actix-web")]
pub(crate) mod active_requests;
pub(crate) mod attributes;
#[cfg(any(feature = "actix-web", feature = "awc", feature = "reqwest"))]
mod bound_durations;
#[cfg(any(feature = "actix-web", feature = "awc"))]
pub(crate) mod carrier;
#[cfg(any(feature = "awc", feature = "reqwest"))]
pub(crate) mod client;
pub(crate) mod metrics;
#[cfg(feature = "actix-web")]
pub(crate) mod server;
