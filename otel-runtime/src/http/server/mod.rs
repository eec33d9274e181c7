//! actix-web server side: the glue of `#[traced(kind = server)]` handlers (remote parent from the
//! incoming headers, the stable HTTP server attributes, the response status).

mod handler;
mod middleware;
mod request;

pub use handler::{start_server_span, Extracted, ServerRequest, Traced};
pub use middleware::{TraceRequests, TraceRequestsService};
