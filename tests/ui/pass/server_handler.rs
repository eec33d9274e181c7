use actix_web::{web, App, HttpRequest, HttpResponse, Responder};
use otel_runtime::traced;

#[traced(kind = server)]
async fn without_request() -> impl Responder {
    "hello"
}

#[traced(kind = server, name = "greet")]
async fn with_extractors(request: HttpRequest, path: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} {}", request.method(), path.into_inner()))
}

fn main() {
    let _app = App::new()
        .route("/", web::get().to(without_request))
        .route("/{name}", web::get().to(with_extractors));
}
