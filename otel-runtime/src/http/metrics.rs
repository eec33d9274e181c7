//! The HTTP metrics of the stable semantic conventions, recorded by the server and client glue:
//! `http.server.request.duration`, `http.server.active_requests` and
//! `http.client.request.duration`.
//!
//! The instruments are made once per installed meter provider and cached behind an atomic
//! pointer (as call sites cache their tracer): no lock of ours per request. Without a meter
//! provider installed by [`crate::init`], [`crate::Builder::install`] or
//! [`crate::set_meter_provider`], nothing is recorded and nothing is spent.
//!
//! Attributes are the conventions' low-cardinality ones only (never the path or the query),
//! held in an array on the stack: the values that repeat (method, scheme, route, version) are
//! static strings, so recording a request allocates nothing once its attribute set is known to
//! the SDK. The durations go through handles bound to the sets a thread sees again and again
//! ([`super::bound_durations`]), which spares the SDK hashing the set per request.

use std::sync::atomic::{AtomicPtr, Ordering};
use std::time::Instant;

use opentelemetry::metrics::Histogram;
use opentelemetry::{KeyValue, Value};
#[cfg(feature = "actix-web")]
use opentelemetry_semantic_conventions::attribute::HTTP_ROUTE;
use opentelemetry_semantic_conventions::attribute::{
    ERROR_TYPE, HTTP_REQUEST_METHOD, HTTP_RESPONSE_STATUS_CODE, URL_SCHEME,
};
#[cfg(any(feature = "awc", feature = "reqwest"))]
use opentelemetry_semantic_conventions::attribute::{SERVER_ADDRESS, SERVER_PORT};
use opentelemetry_semantic_conventions::metric::{
    HTTP_CLIENT_REQUEST_DURATION, HTTP_SERVER_REQUEST_DURATION,
};
use smallvec::SmallVec;

#[cfg(feature = "actix-web")]
use crate::http::active_requests::{ActiveRequests, Slot};

#[cfg(any(feature = "actix-web", feature = "awc", feature = "reqwest"))]
use crate::http::bound_durations;
use crate::instrument::{installed_meter_provider, meter_generation, runtime_meter};

/// The explicit bucket boundaries the conventions give for the HTTP duration histograms, in
/// seconds.
pub(crate) const DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The instruments made from one meter provider (`http.server.active_requests` is an
/// observable one reading [`ActiveRequests`]).
#[derive(Debug)]
pub(crate) struct HttpInstruments {
    #[cfg_attr(not(feature = "actix-web"), allow(dead_code))]
    server_duration: Histogram<f64>,
    #[cfg(feature = "actix-web")]
    server_active: &'static ActiveRequests,
    #[cfg_attr(not(any(feature = "awc", feature = "reqwest")), allow(dead_code))]
    client_duration: Histogram<f64>,
}

impl HttpInstruments {
    fn new(provider: &impl opentelemetry::metrics::MeterProvider) -> Self {
        Self::with_active_requests(
            provider,
            #[cfg(feature = "actix-web")]
            ActiveRequests::global(),
        )
    }

    fn with_active_requests(
        provider: &impl opentelemetry::metrics::MeterProvider,
        #[cfg(feature = "actix-web")] server_active: &'static ActiveRequests,
    ) -> Self {
        let meter = runtime_meter(provider);
        #[cfg(feature = "actix-web")]
        server_active.register(&meter);
        Self {
            server_duration: meter
                .f64_histogram(HTTP_SERVER_REQUEST_DURATION)
                .with_unit("s")
                .with_description("Duration of HTTP server requests.")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            #[cfg(feature = "actix-web")]
            server_active,
            client_duration: meter
                .f64_histogram(HTTP_CLIENT_REQUEST_DURATION)
                .with_unit("s")
                .with_description("Duration of HTTP client requests.")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
        }
    }
}

/// The instruments of one meter provider generation (`None`: no provider, record nothing).
/// Never freed: a reader may still hold it after a newer generation replaced it (one small
/// entry per provider installed).
struct Cached {
    generation: u64,
    instruments: Option<HttpInstruments>,
}

static CACHED: AtomicPtr<Cached> = AtomicPtr::new(std::ptr::null_mut());

/// The instruments of the meter provider installed now, if there is one.
#[inline]
pub(crate) fn instruments() -> Option<&'static HttpInstruments> {
    let generation = meter_generation();
    // SAFETY: the pointer is null or comes from `Box::leak` in `refill` and is never freed;
    // the entry is immutable (the SDK's instruments are `Send + Sync`).
    match unsafe { CACHED.load(Ordering::Acquire).as_ref() } {
        Some(cached) if cached.generation == generation => cached.instruments.as_ref(),
        _ => refill(),
    }
}

#[cold]
#[inline(never)]
fn refill() -> Option<&'static HttpInstruments> {
    let (generation, provider) = installed_meter_provider();
    let cached: &'static Cached = Box::leak(Box::new(Cached {
        generation,
        instruments: provider.as_ref().map(HttpInstruments::new),
    }));
    CACHED.store(std::ptr::from_ref(cached).cast_mut(), Ordering::Release);
    cached.instruments.as_ref()
}

/// Up to `N` attributes on the stack (the SDK takes a slice; a `Vec` per request would be an
/// allocation freed on another thread). Only the ones pushed are written and dropped.
type Attributes<const N: usize> = SmallVec<[KeyValue; N]>;

/// `http` or `https` as a static string; anything else (a proxy's arbitrary header value) is
/// left out, to keep the attribute low-cardinality.
pub(crate) fn known_scheme(scheme: &str) -> Option<&'static str> {
    if scheme.eq_ignore_ascii_case("https") {
        Some("https")
    } else if scheme.eq_ignore_ascii_case("http") {
        Some("http")
    } else {
        None
    }
}

/// `error.type` for a response status that is an error (from 500 for a server, from 400 for a
/// client): the status code.
fn status_error(status: u16) -> Value {
    Value::from(status.to_string())
}

/// One request a server is answering: counted in `http.server.active_requests` until it is
/// [`finish`](Self::finish)ed (its duration recorded) or dropped (a cancelled request: only
/// the count goes back down).
#[derive(Debug)]
#[cfg(feature = "actix-web")]
pub(crate) struct ServerRequestMetrics {
    instruments: &'static HttpInstruments,
    started: Instant,
    method: Value,
    scheme: Option<&'static str>,
    route: Option<Value>,
    version: Option<KeyValue>,
    /// Its count in `http.server.active_requests`, until counted out.
    active: Option<&'static Slot>,
}

#[cfg(feature = "actix-web")]
impl ServerRequestMetrics {
    /// Counts a request as active, if metrics are recorded. `method` is the value of
    /// `http.request.method` (`_OTHER` for an unknown one), `version` the
    /// `network.protocol.version` attribute.
    #[inline]
    pub(crate) fn start(
        method: &Value,
        scheme: Option<&'static str>,
        version: Option<KeyValue>,
    ) -> Option<Self> {
        Some(Self::start_in(instruments()?, method, scheme, version))
    }

    fn start_in(
        instruments: &'static HttpInstruments,
        method: &Value,
        scheme: Option<&'static str>,
        version: Option<KeyValue>,
    ) -> Self {
        let active = instruments.server_active.slot(&method.as_str(), scheme);
        active.enter();
        Self {
            instruments,
            started: Instant::now(),
            method: method.clone(),
            scheme,
            route: None,
            version,
            active: Some(active),
        }
    }

    /// [`start`](Self::start) with the method and scheme of a SERVER span's `attributes`.
    #[inline]
    pub(crate) fn from_span_attributes(
        attributes: &[KeyValue],
        version: Option<KeyValue>,
    ) -> Option<Self> {
        let find = |key: &str| {
            attributes
                .iter()
                .find(|attribute| attribute.key.as_str() == key)
                .map(|attribute| &attribute.value)
        };
        let method = find(HTTP_REQUEST_METHOD)?;
        let scheme = find(URL_SCHEME).and_then(|scheme| known_scheme(&scheme.as_str()));
        Self::start(method, scheme, version)
    }

    /// The matched route (`http.route`), once routing has found one.
    pub(crate) fn set_route(&mut self, route: Value) {
        self.route = Some(route);
    }

    /// The request is answered with `status`: records its duration and counts it out.
    pub(crate) fn finish(mut self, status: u16) {
        let elapsed = self.started.elapsed().as_secs_f64();
        let mut attributes: Attributes<6> = SmallVec::new();
        attributes.push(KeyValue::new(HTTP_REQUEST_METHOD, self.method.clone()));
        attributes.push(KeyValue::new(HTTP_RESPONSE_STATUS_CODE, i64::from(status)));
        if let Some(scheme) = self.scheme {
            attributes.push(KeyValue::new(URL_SCHEME, scheme));
        }
        if let Some(route) = self.route.take() {
            attributes.push(KeyValue::new(HTTP_ROUTE, route));
        }
        if let Some(version) = self.version.take() {
            attributes.push(version);
        }
        if status >= 500 {
            attributes.push(KeyValue::new(ERROR_TYPE, status_error(status)));
        }
        bound_durations::record(
            &self.instruments.server_duration,
            elapsed,
            attributes.as_slice(),
        );
        self.leave();
    }

    /// Counts the request out of `http.server.active_requests`.
    fn leave(&mut self) {
        if let Some(active) = self.active.take() {
            active.leave();
        }
    }
}

#[cfg(feature = "actix-web")]
impl Drop for ServerRequestMetrics {
    fn drop(&mut self) {
        self.leave();
    }
}

/// One request a client is sending; its duration is recorded by [`finish`](Self::finish).
#[derive(Debug)]
#[cfg(any(feature = "awc", feature = "reqwest"))]
pub(crate) struct ClientRequestMetrics {
    instruments: &'static HttpInstruments,
    started: Instant,
    method: Value,
    address: Option<Value>,
    port: Option<i64>,
    scheme: Option<&'static str>,
}

/// How a client request ended.
#[derive(Debug)]
#[cfg(any(feature = "awc", feature = "reqwest"))]
pub(crate) enum ClientOutcome {
    /// A response with this status and `network.protocol.version`.
    Response(u16, Option<KeyValue>),
    /// A transport failure, with its low-cardinality `error.type`.
    Failed(&'static str),
}

#[cfg(any(feature = "awc", feature = "reqwest"))]
impl ClientRequestMetrics {
    /// Starts timing a request, if metrics are recorded. `method` is the value of
    /// `http.request.method`, `address` the one of `server.address`.
    #[inline]
    pub(crate) fn start(
        method: &Value,
        address: Option<&Value>,
        port: Option<u16>,
        scheme: Option<&str>,
    ) -> Option<Self> {
        Some(Self::start_in(
            instruments()?,
            method,
            address,
            port,
            scheme,
        ))
    }

    fn start_in(
        instruments: &'static HttpInstruments,
        method: &Value,
        address: Option<&Value>,
        port: Option<u16>,
        scheme: Option<&str>,
    ) -> Self {
        Self {
            instruments,
            started: Instant::now(),
            method: method.clone(),
            address: address.cloned(),
            port: port.map(i64::from),
            scheme: scheme.and_then(known_scheme),
        }
    }

    /// Records the request's duration and how it ended.
    pub(crate) fn finish(self, outcome: ClientOutcome) {
        let elapsed = self.started.elapsed().as_secs_f64();
        let mut attributes: Attributes<7> = SmallVec::new();
        attributes.push(KeyValue::new(HTTP_REQUEST_METHOD, self.method));
        if let Some(address) = self.address {
            attributes.push(KeyValue::new(SERVER_ADDRESS, address));
        }
        if let Some(port) = self.port {
            attributes.push(KeyValue::new(SERVER_PORT, port));
        }
        if let Some(scheme) = self.scheme {
            attributes.push(KeyValue::new(URL_SCHEME, scheme));
        }
        match outcome {
            ClientOutcome::Response(status, version) => {
                attributes.push(KeyValue::new(HTTP_RESPONSE_STATUS_CODE, i64::from(status)));
                if let Some(version) = version {
                    attributes.push(version);
                }
                if status >= 400 {
                    attributes.push(KeyValue::new(ERROR_TYPE, status_error(status)));
                }
            }
            ClientOutcome::Failed(error_type) => {
                attributes.push(KeyValue::new(ERROR_TYPE, error_type));
            }
        }
        bound_durations::record(
            &self.instruments.client_duration,
            elapsed,
            attributes.as_slice(),
        );
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
    use opentelemetry_semantic_conventions::attribute::NETWORK_PROTOCOL_VERSION;
    #[cfg(feature = "actix-web")]
    use opentelemetry_semantic_conventions::metric::HTTP_SERVER_ACTIVE_REQUESTS;

    use super::*;
    use crate::export::metrics::memory::MemoryMetricExporter;
    #[cfg(feature = "actix-web")]
    use crate::export::metrics::snapshot::PointValue;
    use crate::export::metrics::snapshot::{MetricSnapshot, Point};

    /// Instruments on a provider of their own (not the global one), counting active requests in a
    /// table of their own, and what the provider exports.
    fn local() -> (
        SdkMeterProvider,
        MemoryMetricExporter,
        &'static HttpInstruments,
    ) {
        let exporter = MemoryMetricExporter::default();
        let provider = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(exporter.clone()).build())
            .build();
        let instruments = Box::leak(Box::new(HttpInstruments::with_active_requests(
            &provider,
            #[cfg(feature = "actix-web")]
            Box::leak(Box::new(ActiveRequests::new(
                crate::http::attributes::known_methods(None),
            ))),
        )));
        (provider, exporter, instruments)
    }

    fn collected(
        provider: &SdkMeterProvider,
        exporter: &MemoryMetricExporter,
    ) -> Vec<MetricSnapshot> {
        provider.force_flush().expect("flushed");
        exporter.last()
    }

    fn metric<'a>(metrics: &'a [MetricSnapshot], name: &str) -> &'a MetricSnapshot {
        metrics
            .iter()
            .find(|metric| metric.name == name)
            .unwrap_or_else(|| panic!("no {name} in {metrics:#?}"))
    }

    /// A point's attributes as sorted `key=value` texts.
    fn attributes(point: &Point) -> Vec<String> {
        let mut texts: Vec<String> = point
            .attributes
            .iter()
            .map(|attribute| format!("{}={}", attribute.key, attribute.value))
            .collect();
        texts.sort();
        texts
    }

    #[cfg(feature = "actix-web")]
    fn histogram_count(point: &Point) -> u64 {
        match &point.value {
            PointValue::Histogram(histogram) => histogram.count,
            other => panic!("not a histogram: {other:?}"),
        }
    }

    #[cfg(feature = "actix-web")]
    #[test]
    fn a_served_request_records_its_duration_once_with_low_cardinality_attributes() {
        let (provider, exporter, instruments) = local();
        let version = Some(KeyValue::new(NETWORK_PROTOCOL_VERSION, "1.1"));
        for status in [200, 200, 503] {
            let mut request = ServerRequestMetrics::start_in(
                instruments,
                &Value::from("GET"),
                Some("http"),
                version.clone(),
            );
            request.set_route(Value::from("/items/{id}"));
            request.finish(status);
        }
        let metrics = collected(&provider, &exporter);
        let duration = metric(&metrics, HTTP_SERVER_REQUEST_DURATION);
        assert_eq!(duration.unit, "s");
        let mut points: Vec<(Vec<String>, u64)> = duration
            .points
            .iter()
            .map(|point| (attributes(point), histogram_count(point)))
            .collect();
        points.sort();
        assert_eq!(
            points,
            vec![
                (
                    vec![
                        "error.type=503".to_owned(),
                        "http.request.method=GET".to_owned(),
                        "http.response.status_code=503".to_owned(),
                        "http.route=/items/{id}".to_owned(),
                        "network.protocol.version=1.1".to_owned(),
                        "url.scheme=http".to_owned(),
                    ],
                    1
                ),
                (
                    vec![
                        "http.request.method=GET".to_owned(),
                        "http.response.status_code=200".to_owned(),
                        "http.route=/items/{id}".to_owned(),
                        "network.protocol.version=1.1".to_owned(),
                        "url.scheme=http".to_owned(),
                    ],
                    2
                ),
            ]
        );
        let PointValue::Histogram(histogram) = &duration.points[0].value else {
            panic!("a histogram");
        };
        assert_eq!(histogram.bounds, DURATION_BUCKETS.to_vec());
    }

    #[cfg(feature = "actix-web")]
    #[test]
    fn active_requests_count_up_and_back_down_even_when_cancelled() {
        let (provider, exporter, instruments) = local();
        let method = Value::from("POST");
        let first = ServerRequestMetrics::start_in(instruments, &method, Some("https"), None);
        let second = ServerRequestMetrics::start_in(instruments, &method, Some("https"), None);
        let active = |metrics: &[MetricSnapshot]| {
            let active = metric(metrics, HTTP_SERVER_ACTIVE_REQUESTS);
            assert_eq!(active.unit, "{request}");
            assert_eq!(
                attributes(&active.points[0]),
                ["http.request.method=POST", "url.scheme=https"]
            );
            active.points[0].value.clone()
        };
        assert_eq!(
            active(&collected(&provider, &exporter)),
            PointValue::Sum(2.0)
        );
        first.finish(201);
        drop(second); // cancelled: no duration, but no longer active
        let metrics = collected(&provider, &exporter);
        assert_eq!(active(&metrics), PointValue::Sum(0.0));
        let duration = metric(&metrics, HTTP_SERVER_REQUEST_DURATION);
        assert_eq!(duration.points.len(), 1);
        assert_eq!(histogram_count(&duration.points[0]), 1);
    }

    #[cfg(any(feature = "awc", feature = "reqwest"))]
    #[test]
    fn a_sent_request_records_server_status_and_failures() {
        let (provider, exporter, instruments) = local();
        let method = Value::from("GET");
        let address = Value::from("127.0.0.1");
        let start = || {
            ClientRequestMetrics::start_in(
                instruments,
                &method,
                Some(&address),
                Some(8080),
                Some("http"),
            )
        };
        start().finish(ClientOutcome::Response(
            404,
            Some(KeyValue::new(NETWORK_PROTOCOL_VERSION, "1.1")),
        ));
        start().finish(ClientOutcome::Failed("connect_error"));
        let metrics = collected(&provider, &exporter);
        let duration = metric(&metrics, HTTP_CLIENT_REQUEST_DURATION);
        assert_eq!(duration.unit, "s");
        let mut points: Vec<Vec<String>> = duration.points.iter().map(attributes).collect();
        points.sort();
        assert_eq!(
            points,
            vec![
                vec![
                    "error.type=404",
                    "http.request.method=GET",
                    "http.response.status_code=404",
                    "network.protocol.version=1.1",
                    "server.address=127.0.0.1",
                    "server.port=8080",
                    "url.scheme=http",
                ],
                vec![
                    "error.type=connect_error",
                    "http.request.method=GET",
                    "server.address=127.0.0.1",
                    "server.port=8080",
                    "url.scheme=http",
                ],
            ]
        );
    }

    #[test]
    fn only_http_and_https_are_kept_as_schemes() {
        assert_eq!(known_scheme("HTTPS"), Some("https"));
        assert_eq!(known_scheme("http"), Some("http"));
        assert_eq!(known_scheme("gopher"), None);
    }
}
