//! An OTLP trace, metrics and logs receiver on 127.0.0.1: http/protobuf and http/json
//! (`POST /v1/traces`, `POST /v1/metrics`, `POST /v1/logs`, actix-web) or gRPC
//! (`TraceService/Export`, `MetricsService/Export`, `LogsService/Export`, tonic), plaintext or TLS, each on a thread of its own, keeping every
//! request decoded.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::logs::v1::LogRecord;

use super::tls::Pki;
use super::{attributes_as_text, ReceivedSpan};

/// One export request as received.
#[derive(Clone, Debug)]
pub struct ReceivedRequest {
    /// Request headers (gRPC: metadata), names in lowercase.
    pub headers: Vec<(String, String)>,
    /// Whether the payload was gzip-compressed.
    pub gzip: bool,
    /// The decoded request.
    pub body: ExportTraceServiceRequest,
}

impl ReceivedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

type Store = Arc<Mutex<Vec<ReceivedRequest>>>;

/// The metrics export requests received (always accepted).
type MetricsStore = Arc<Mutex<Vec<ExportMetricsServiceRequest>>>;

/// The logs export requests received (always accepted).
type LogsStore = Arc<Mutex<Vec<ExportLogsServiceRequest>>>;

/// A running receiver; stops when dropped.
pub struct Receiver {
    address: SocketAddr,
    /// `https` with TLS, else `http`.
    scheme: &'static str,
    store: Store,
    metrics: MetricsStore,
    logs: LogsStore,
    /// The HTTP status trace export requests are answered with (200: accepted and stored).
    status: Arc<AtomicU16>,
    stop: Option<Box<dyn FnOnce() + Send>>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    /// The base URL, e.g. `http://127.0.0.1:41234` (`https://` with TLS).
    pub fn endpoint(&self) -> String {
        format!("{}://{}", self.scheme, self.address)
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.store
            .lock()
            .map(|list| list.clone())
            .unwrap_or_default()
    }

    /// Every span so far, with its resource.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        let mut spans = Vec::new();
        for request in self.requests() {
            for resource_spans in request.body.resource_spans {
                let resource = resource_spans
                    .resource
                    .map(|resource| attributes_as_text(&resource.attributes))
                    .unwrap_or_default();
                for scope_spans in resource_spans.scope_spans {
                    for span in scope_spans.spans {
                        spans.push(ReceivedSpan {
                            span,
                            resource: resource.clone(),
                        });
                    }
                }
            }
        }
        spans
    }

    /// Every metrics export request so far.
    pub fn metric_requests(&self) -> Vec<ExportMetricsServiceRequest> {
        self.metrics
            .lock()
            .map(|list| list.clone())
            .unwrap_or_default()
    }

    /// Waits until `done` says yes to the metrics export requests received (or `limit` passed)
    /// and returns them.
    pub fn wait_for_metrics(
        &self,
        done: impl Fn(&[ExportMetricsServiceRequest]) -> bool,
        limit: Duration,
    ) -> Vec<ExportMetricsServiceRequest> {
        let deadline = Instant::now() + limit;
        loop {
            let requests = self.metric_requests();
            if done(&requests) || Instant::now() >= deadline {
                return requests;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every log record received so far, with the resource attributes it came with (as text).
    pub fn log_records(&self) -> Vec<(LogRecord, Vec<(String, String)>)> {
        let requests = self
            .logs
            .lock()
            .map(|list| list.clone())
            .unwrap_or_default();
        let mut records = Vec::new();
        for request in requests {
            for resource_logs in request.resource_logs {
                let resource = resource_logs
                    .resource
                    .map(|resource| super::attributes_as_text(&resource.attributes))
                    .unwrap_or_default();
                for scope_logs in resource_logs.scope_logs {
                    for record in scope_logs.log_records {
                        records.push((record, resource.clone()));
                    }
                }
            }
        }
        records
    }

    /// The instrumentation scopes of the log records received so far (opentelemetry-otlp
    /// names them by the `tracing` target).
    pub fn log_scopes(&self) -> Vec<String> {
        let requests = self
            .logs
            .lock()
            .map(|list| list.clone())
            .unwrap_or_default();
        requests
            .iter()
            .flat_map(|request| &request.resource_logs)
            .flat_map(|resource_logs| &resource_logs.scope_logs)
            .filter_map(|scope_logs| scope_logs.scope.as_ref())
            .map(|scope| scope.name.clone())
            .collect()
    }

    /// Waits until `done` says yes to the log records received (or `limit` passed) and returns
    /// them.
    pub fn wait_for_log_records(
        &self,
        done: impl Fn(&[(LogRecord, Vec<(String, String)>)]) -> bool,
        limit: Duration,
    ) -> Vec<(LogRecord, Vec<(String, String)>)> {
        let deadline = Instant::now() + limit;
        loop {
            let records = self.log_records();
            if done(&records) || Instant::now() >= deadline {
                return records;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until at least `count` spans arrived (or `limit` passed) and returns them.
    pub fn wait_for_spans(&self, count: usize, limit: Duration) -> Vec<ReceivedSpan> {
        let deadline = Instant::now() + limit;
        loop {
            let spans = self.spans();
            if spans.len() >= count || Instant::now() >= deadline {
                return spans;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// From now on, answers http/protobuf export requests with `status` (200: accept and
    /// store them; anything else: refuse them, storing nothing).
    pub fn answer_with(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// OTLP over http/protobuf.
    pub fn http() -> Self {
        Self::http_at("127.0.0.1:0")
    }

    /// OTLP over http/protobuf on `address` (e.g. a port the test chose earlier).
    pub fn http_at(address: &str) -> Self {
        Self::serve_http(address, None)
    }

    /// OTLP over HTTPS, with the server certificate of `pki`.
    pub fn https(pki: &Pki) -> Self {
        Self::serve_http("127.0.0.1:0", Some(pki.rustls_server_config()))
    }

    fn serve_http(address: &str, tls: Option<rustls::ServerConfig>) -> Self {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let store = Store::default();
        let metrics = MetricsStore::default();
        let logs = LogsStore::default();
        let status = Arc::new(AtomicU16::new(200));
        let (ready_tx, ready_rx) = mpsc::channel();
        let thread_store = store.clone();
        let thread_metrics = metrics.clone();
        let thread_logs = logs.clone();
        let thread_status = status.clone();
        let address = address.to_owned();
        let thread = std::thread::spawn(move || {
            let system = actix_rt::System::new();
            system.block_on(async move {
                let data = actix_web::web::Data::new(thread_store);
                let metrics = actix_web::web::Data::new(thread_metrics);
                let logs = actix_web::web::Data::new(thread_logs);
                let status = actix_web::web::Data::new(thread_status);
                let server = actix_web::HttpServer::new(move || {
                    actix_web::App::new()
                        .app_data(data.clone())
                        .app_data(metrics.clone())
                        .app_data(logs.clone())
                        .app_data(status.clone())
                        .app_data(actix_web::web::PayloadConfig::new(16 << 20))
                        .route("/v1/traces", actix_web::web::post().to(http_export))
                        .route(
                            "/v1/metrics",
                            actix_web::web::post().to(|request, body, store| {
                                http_signal_export(request, body, store, |json: &[u8]| {
                                    serde_json::from_slice::<ExportMetricsServiceRequest>(json)
                                })
                            }),
                        )
                        .route(
                            "/v1/logs",
                            actix_web::web::post().to(|request, body, store| {
                                http_signal_export(request, body, store, |json: &[u8]| {
                                    serde_json::from_slice::<ExportLogsServiceRequest>(json)
                                })
                            }),
                        )
                })
                .workers(1)
                .disable_signals();
                let server = match tls {
                    Some(config) => server.bind_rustls_0_23(address.as_str(), config),
                    None => server.bind(address.as_str()),
                }
                .expect("the receiver binds a loopback port");
                let address = server.addrs()[0];
                let server = server.run();
                ready_tx
                    .send((address, server.handle()))
                    .expect("the test waits for the receiver");
                server.await.expect("the receiver runs");
            });
        });
        let (address, handle) = ready_rx.recv().expect("the receiver starts");
        Self {
            address,
            scheme,
            store,
            metrics,
            logs,
            status,
            stop: Some(Box::new(move || {
                block_on(handle.stop(false));
            })),
            thread: Some(thread),
        }
    }

    /// OTLP over gRPC.
    pub fn grpc() -> Self {
        Self::serve_grpc(None)
    }

    /// OTLP over gRPC with TLS (see [`Pki::tonic_server_config`]).
    pub fn grpc_tls(tls: tonic::transport::ServerTlsConfig) -> Self {
        Self::serve_grpc(Some(tls))
    }

    fn serve_grpc(tls: Option<tonic::transport::ServerTlsConfig>) -> Self {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let mut builder = tonic::transport::Server::builder();
        if let Some(tls) = tls {
            builder = builder
                .tls_config(tls)
                .expect("the receiver's TLS configuration");
        }
        let store = Store::default();
        let metrics = MetricsStore::default();
        let logs = LogsStore::default();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime for the receiver");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("the receiver binds a loopback port");
        let address = listener.local_addr().expect("a bound address");
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let service = TraceServiceServer::new(GrpcCollector {
            store: store.clone(),
        })
        .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
        let metrics_service = MetricsServiceServer::new(GrpcMetricsCollector {
            store: metrics.clone(),
        })
        .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
        let logs_service = LogsServiceServer::new(GrpcLogsCollector {
            store: logs.clone(),
        })
        .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
        let service = Collectors {
            traces: service,
            metrics: metrics_service,
            logs: logs_service,
        };
        let thread = std::thread::spawn(move || {
            let incoming = tonic::transport::server::TcpIncoming::from(listener);
            runtime
                .block_on(
                    builder.serve_with_incoming_shutdown(service, incoming, async {
                        let _ = stop_rx.await;
                    }),
                )
                .expect("the receiver runs");
        });
        Self {
            address,
            scheme,
            store,
            metrics,
            logs,
            status: Arc::new(AtomicU16::new(200)),
            stop: Some(Box::new(move || {
                let _ = stop_tx.send(());
            })),
            thread: Some(thread),
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs a future to completion on this thread (the handle's stop future needs no runtime).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime to stop the receiver");
    runtime.block_on(future)
}

async fn http_export(
    request: actix_web::HttpRequest,
    body: actix_web::web::Bytes,
    store: actix_web::web::Data<Store>,
    status: actix_web::web::Data<Arc<AtomicU16>>,
) -> actix_web::HttpResponse {
    let answer = status.load(Ordering::SeqCst);
    if answer != 200 {
        let status = actix_web::http::StatusCode::from_u16(answer)
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = actix_web::HttpResponse::build(status);
        if answer == 429 {
            // Throttled: the exporter waits this long before its next try.
            response.insert_header(("Retry-After", "1"));
        }
        return response.body(format!("refused with {answer} by the test"));
    }
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_ascii_lowercase(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    match decode_export(&request, &body, |json: &[u8]| {
        serde_json::from_slice::<ExportTraceServiceRequest>(json)
    }) {
        Ok(decoded) => {
            if let Ok(mut list) = store.lock() {
                list.push(ReceivedRequest {
                    headers,
                    gzip: decoded.gzip,
                    body: decoded.message,
                });
            }
            accepted(decoded.json)
        }
        Err(error) => actix_web::HttpResponse::BadRequest().body(error),
    }
}

/// An export request as received.
struct Decoded<M> {
    message: M,
    /// It came as http/json (the protobuf messages' JSON form: hex ids, camelCase names).
    json: bool,
    gzip: bool,
}

/// The export request in `body`: gunzipped if `content-encoding: gzip`, decoded with
/// `from_json` if `content-type: application/json`, else as protobuf.
fn decode_export<M: prost::Message + Default>(
    request: &actix_web::HttpRequest,
    body: &[u8],
    from_json: fn(&[u8]) -> serde_json::Result<M>,
) -> Result<Decoded<M>, String> {
    let header = |name: &str| request.headers().get(name).map(|value| value.as_bytes());
    let gzip = header("content-encoding") == Some(b"gzip".as_slice());
    let json = header("content-type").is_some_and(|value| value.starts_with(b"application/json"));
    let mut payload = Vec::new();
    let payload = if gzip {
        flate2::read::GzDecoder::new(body)
            .read_to_end(&mut payload)
            .map_err(|error| format!("bad gzip: {error}"))?;
        &payload[..]
    } else {
        body
    };
    let message = if json {
        from_json(payload).map_err(|error| format!("bad JSON: {error}"))?
    } else {
        M::decode(payload).map_err(|error| format!("bad protobuf: {error}"))?
    };
    Ok(Decoded {
        message,
        json,
        gzip,
    })
}

/// The answer to an accepted export: the empty response message (every signal's response is
/// empty when all was accepted), as JSON or protobuf like the request.
fn accepted(json: bool) -> actix_web::HttpResponse {
    if json {
        actix_web::HttpResponse::Ok()
            .content_type("application/json")
            .body("{}")
    } else {
        actix_web::HttpResponse::Ok()
            .content_type("application/x-protobuf")
            .body(Vec::new())
    }
}

/// `POST /v1/metrics` and `POST /v1/logs`: decoded (protobuf or JSON, gzip or not) and kept.
async fn http_signal_export<M: prost::Message + Default + 'static>(
    request: actix_web::HttpRequest,
    body: actix_web::web::Bytes,
    store: actix_web::web::Data<Arc<Mutex<Vec<M>>>>,
    from_json: fn(&[u8]) -> serde_json::Result<M>,
) -> actix_web::HttpResponse {
    match decode_export(&request, &body, from_json) {
        Ok(decoded) => {
            if let Ok(mut list) = store.lock() {
                list.push(decoded.message);
            }
            accepted(decoded.json)
        }
        Err(error) => actix_web::HttpResponse::BadRequest().body(error),
    }
}

struct GrpcCollector {
    store: Store,
}

#[tonic::async_trait]
impl TraceService for GrpcCollector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let headers: Vec<(String, String)> = request
            .metadata()
            .clone()
            .into_headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_ascii_lowercase(),
                    value.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let gzip = headers
            .iter()
            .any(|(name, value)| name == "grpc-encoding" && value == "gzip");
        if let Ok(mut list) = self.store.lock() {
            list.push(ReceivedRequest {
                headers,
                gzip,
                body: request.into_inner(),
            });
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

struct GrpcMetricsCollector {
    store: MetricsStore,
}

#[tonic::async_trait]
impl MetricsService for GrpcMetricsCollector {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        if let Ok(mut list) = self.store.lock() {
            list.push(request.into_inner());
        }
        Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
    }
}

/// Both gRPC services on one port, chosen by the request path (tonic's router would need its
/// `router` feature, and axum with it).
#[derive(Clone)]
struct Collectors {
    traces: TraceServiceServer<GrpcCollector>,
    metrics: MetricsServiceServer<GrpcMetricsCollector>,
    logs: LogsServiceServer<GrpcLogsCollector>,
}

impl tonic::codegen::Service<tonic::codegen::http::Request<tonic::body::Body>> for Collectors {
    type Response = tonic::codegen::http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = tonic::codegen::BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(
        &mut self,
        _context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: tonic::codegen::http::Request<tonic::body::Body>) -> Self::Future {
        let path = request.uri().path();
        if path.starts_with("/opentelemetry.proto.collector.metrics.") {
            self.metrics.call(request)
        } else if path.starts_with("/opentelemetry.proto.collector.logs.") {
            self.logs.call(request)
        } else {
            self.traces.call(request)
        }
    }
}

struct GrpcLogsCollector {
    store: LogsStore,
}

#[tonic::async_trait]
impl LogsService for GrpcLogsCollector {
    async fn export(
        &self,
        request: tonic::Request<ExportLogsServiceRequest>,
    ) -> Result<tonic::Response<ExportLogsServiceResponse>, tonic::Status> {
        if let Ok(mut list) = self.store.lock() {
            list.push(request.into_inner());
        }
        Ok(tonic::Response::new(ExportLogsServiceResponse::default()))
    }
}
