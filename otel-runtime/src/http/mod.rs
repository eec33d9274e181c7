//! HTTP glue: header carriers, the semantic-convention attributes, the actix-web server side
//! (handler glue) and the awc client side.

pub(crate) mod attributes;
pub(crate) mod carrier;
#[cfg(feature = "awc")]
pub(crate) mod client;
#[cfg(feature = "actix-web")]
pub(crate) mod server;
