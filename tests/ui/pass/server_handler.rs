use std::collections::HashMap;
use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{get, post, web, App, FromRequest, HttpRequest, HttpResponse, Responder};
use otel_runtime::traced;

#[traced(kind = server)]
async fn without_request() -> impl Responder {
    "hello"
}

#[traced(kind = server, name = "greet")]
async fn with_extractors(request: HttpRequest, path: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} {}", request.method(), path.into_inner()))
}

// Patterns in argument position, `mut` bindings, and an argument recorded as an attribute.
#[traced(kind = server, attributes(id = *id, ?count))]
async fn patterns(
    id: web::Path<u32>,
    web::Json(body): web::Json<serde_json::Value>,
    web::Query(mut query): web::Query<HashMap<String, String>>,
    count: web::Data<u64>,
) -> HttpResponse {
    query.insert("id".to_owned(), id.to_string());
    HttpResponse::Ok().body(format!("{body} {query:?} {}", count.get_ref()))
}

#[traced(kind = server)]
async fn form(web::Form(fields): web::Form<HashMap<String, String>>) -> String {
    format!("{}", fields.len())
}

/// A custom extractor.
struct Caller(String);

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            request
                .headers()
                .get("x-caller")
                .and_then(|value| value.to_str().ok())
                .map(|caller| Caller(caller.to_owned()))
                .ok_or_else(|| actix_web::error::ErrorUnauthorized("who is calling?")),
        )
    }
}

#[traced(kind = server, err)]
async fn custom(Caller(caller): Caller) -> Result<String, actix_web::Error> {
    Ok(caller)
}

// Routing attributes above `#[traced]`.
#[get("/routed/{id}")]
#[traced(kind = server)]
async fn routed(id: web::Path<u32>) -> String {
    id.to_string()
}

#[post("/routed")]
#[traced(kind = server, name = "create")]
async fn routed_post(body: web::Bytes) -> HttpResponse {
    HttpResponse::Created().body(body)
}

// A generic handler.
#[traced(kind = server)]
async fn generic<T: FromRequest + std::fmt::Debug>(value: T) -> String {
    format!("{value:?}")
}

struct Handlers;

impl Handlers {
    // An associated function: no receiver.
    #[traced(kind = server)]
    async fn associated(_request: HttpRequest) -> &'static str {
        "associated"
    }
}

fn main() {
    let _app = App::new()
        .app_data(web::Data::new(7_u64))
        .route("/", web::get().to(without_request))
        .route("/{name}", web::get().to(with_extractors))
        .route("/patterns/{id}", web::post().to(patterns))
        .route("/form", web::post().to(form))
        .route("/custom", web::get().to(custom))
        .route("/generic", web::get().to(generic::<web::Bytes>))
        .route("/associated", web::get().to(Handlers::associated))
        .service(routed)
        .service(routed_post);
}
