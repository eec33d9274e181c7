//! The HTTP server cost without the network: an actix-web hello-world app called in-process
//! (`actix_web::test::call_service`), plain, with `#[traced(kind = server)]` on the handler, and
//! with opentelemetry-instrumentation-actix-web's middleware (cargo feature `contrib`). The
//! difference per request bounds the throughput ratio that `bench/http-compare.sh` measures.

use std::hint::black_box;
use std::net::SocketAddr;

use actix_web::http::header::USER_AGENT;
use actix_web::test::{call_service, init_service, TestRequest};
use actix_web::{web, App, Responder};
use otel_runtime::traced;

const BODY: &str = "Hello, world!";

async fn hello() -> impl Responder {
    BODY
}

#[traced(kind = server)]
async fn hello_traced() -> impl Responder {
    BODY
}

thread_local! {
    static RUNTIME: actix_web::rt::Runtime =
        actix_web::rt::Runtime::new().expect("an actix runtime");
}

fn request() -> TestRequest {
    let peer: SocketAddr = ([127, 0, 0, 1], 50_000).into();
    TestRequest::get()
        .uri("/")
        .insert_header((USER_AGENT, "wrk"))
        .peer_addr(peer)
}

macro_rules! app_calls {
    ($(#[$doc:meta])* $name:ident => $app:expr) => {
        $(#[$doc])*
        pub fn $name(n: u64) {
            RUNTIME.with(|runtime| {
                runtime.block_on(async {
                    let app = init_service($app).await;
                    for _ in 0..n {
                        black_box(call_service(&app, request().to_request()).await);
                    }
                })
            });
        }
    };
}

app_calls! {
    /// The hello-world app, plain.
    plain_calls => App::new().route("/", web::get().to(hello))
}

app_calls! {
    /// The hello-world app, `#[traced(kind = server)]` on the handler.
    traced_calls => App::new().route("/", web::get().to(hello_traced))
}

#[cfg(feature = "contrib")]
app_calls! {
    /// The hello-world app behind opentelemetry-instrumentation-actix-web's middleware.
    contrib_calls => App::new()
        .wrap(opentelemetry_instrumentation_actix_web::RequestTracing::new())
        .route("/", web::get().to(hello))
}
