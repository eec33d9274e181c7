//! HTTP client side: the CLIENT span of one outgoing request ([`call`]) and its awc glue.

mod awc;
mod call;

pub use self::awc::{SendResult, TracedRequest};
