//! What `propagation::extract` costs on a request's headers (actix-http's `HeaderMap` through
//! `HeaderExtractor`, as the server glue calls it), with the runtime's default propagators and,
//! as the baseline measured in the same run, opentelemetry-sdk's `TraceContextPropagator` and
//! `BaggagePropagator` installed the same way.
//!
//! ```text
//! cargo bench -p otel-runtime --bench extract                 # criterion, then the ratios
//! cargo bench -p otel-runtime --bench extract -- list         # the case names
//! cargo bench -p otel-runtime --bench extract --no-run        # then, for instructions per call:
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
//!     --toggle-collect='extract::calls' target/release/deps/extract-HASH callgrind CASE 10000
//! ```
//!
//! `callgrind CASE CALLS` makes CALLS extractions of one case inside `calls`, the only function
//! callgrind counts (run it with two CALLS values and divide the difference to drop the fixed
//! part).
//!
//! # Results
//!
//! 2026-11-30, 2 shared cores, rustc 1.95.0, valgrind 3.19.0; instructions per extraction,
//! (count for 12,000 calls - count for 2,000) / 10,000:
//!
//! | case | before (keys() scan) | now | with the carrier's static names (not applied) |
//! |---|---:|---:|---:|
//! | runtime, actix headers, no `traceparent` | 2,023 | 1,405 | 700 |
//! | SDK propagators, same headers | 1,435 | 1,406 | 1,435 |
//! | runtime, actix headers, `traceparent` + `tracestate` | 8,130 | 7,765 | 6,679 |
//! | SDK propagators, same headers | 8,986 | 8,986 | 8,984 |
//! | runtime, `HashMap`, no `traceparent` | 2,018 | 2,619 | |
//! | SDK propagators, `HashMap` | 1,550 | 1,550 | |
//!
//! "now": `HeaderExtractor::get_all` answers `Some(vec![])` for a missing header, so the
//! propagators skip the `keys()` scan for other spellings (~470 instructions and two
//! allocations). What remains for a request without trace context is mostly actix-http parsing
//! each `&str` name into a `HeaderName`, which allocates for a name that is not a standard one
//! (~290 instructions per lookup, two lookups: `traceparent`, `baggage`); the last column looks
//! the three names up as `HeaderName::from_static` constants in the carrier. A `HashMap` carrier
//! now pays the `keys()` scan for `baggage` too (every `baggage` line is read the way
//! `tracestate` lines are). Criterion, same run: actix without trace context 0.95x the SDK's
//! time, with it 0.85x.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use actix_http::header::{HeaderMap, HeaderName, HeaderValue};
use criterion::Criterion;
use opentelemetry::propagation::{Extractor, TextMapCompositePropagator};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use otel_runtime::propagation;
use otel_runtime::HeaderExtractor;

/// The headers of an ordinary request without trace context.
const PLAIN: [(&str, &str); 8] = [
    ("host", "127.0.0.1:8080"),
    ("user-agent", "curl/8.5.0"),
    ("accept", "*/*"),
    ("accept-encoding", "gzip, deflate, br"),
    ("accept-language", "en-US,en;q=0.9"),
    ("connection", "keep-alive"),
    ("content-type", "application/json"),
    ("content-length", "42"),
];

/// What a traced caller adds.
const TRACED: [(&str, &str); 2] = [
    (
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    ),
    ("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"),
];

fn header_map(traced: bool) -> HeaderMap {
    let mut map = HeaderMap::new();
    let extra: &[(&str, &str)] = if traced { &TRACED } else { &[] };
    for (name, value) in PLAIN.iter().chain(extra) {
        map.append(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    map
}

fn hash_map(traced: bool) -> HashMap<String, String> {
    let extra: &[(&str, &str)] = if traced { &TRACED } else { &[] };
    PLAIN
        .iter()
        .chain(extra)
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

/// Which propagators are installed globally.
#[derive(Clone, Copy)]
enum Installed {
    Runtime,
    Sdk,
}

impl Installed {
    fn install(self) {
        match self {
            Self::Runtime => propagation::install(propagation::default_propagator()),
            Self::Sdk => propagation::install(TextMapCompositePropagator::new(vec![
                Box::new(TraceContextPropagator::new()),
                Box::new(BaggagePropagator::new()),
            ])),
        }
    }
}

/// Which carrier the headers are in.
enum Carrier {
    Actix(HeaderMap),
    Map(HashMap<String, String>),
}

impl Carrier {
    /// `n` extractions from these headers.
    fn extract(&self, n: u64) {
        match self {
            Self::Actix(map) => calls(&HeaderExtractor(map), n),
            Self::Map(map) => calls(map, n),
        }
    }
}

struct Case {
    name: &'static str,
    installed: Installed,
    carrier: Carrier,
}

fn cases() -> Vec<Case> {
    let case = |name, installed, carrier| Case {
        name,
        installed,
        carrier,
    };
    vec![
        case(
            "runtime/actix/no-traceparent",
            Installed::Runtime,
            Carrier::Actix(header_map(false)),
        ),
        case(
            "sdk/actix/no-traceparent",
            Installed::Sdk,
            Carrier::Actix(header_map(false)),
        ),
        case(
            "runtime/actix/traceparent",
            Installed::Runtime,
            Carrier::Actix(header_map(true)),
        ),
        case(
            "sdk/actix/traceparent",
            Installed::Sdk,
            Carrier::Actix(header_map(true)),
        ),
        case(
            "runtime/hashmap/no-traceparent",
            Installed::Runtime,
            Carrier::Map(hash_map(false)),
        ),
        case(
            "sdk/hashmap/no-traceparent",
            Installed::Sdk,
            Carrier::Map(hash_map(false)),
        ),
    ]
}

/// The loop callgrind counts.
#[inline(never)]
fn calls(extractor: &dyn Extractor, n: u64) {
    for _ in 0..n {
        black_box(propagation::extract(black_box(extractor)));
    }
}

fn callgrind(name: &str, n: u64) {
    let Some(case) = cases().into_iter().find(|case| case.name == name) else {
        eprintln!("extract: no case {name:?} (see `list`)");
        std::process::exit(2);
    };
    case.installed.install();
    case.carrier.extract(1_000); // warm-up, not counted
    case.carrier.extract(n);
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    match args.first().map(String::as_str) {
        Some("list") => {
            for case in cases() {
                println!("{}", case.name);
            }
            return;
        }
        Some("callgrind") => {
            let name = args.get(1).map_or("", String::as_str);
            let n = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(10_000);
            callgrind(name, n);
            return;
        }
        _ => {}
    }
    let mut criterion = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    let mut medians = HashMap::new();
    for case in cases() {
        case.installed.install();
        let mut per_call = Vec::new();
        criterion.bench_function(case.name, |b| {
            b.iter_custom(|iterations| {
                let started = std::time::Instant::now();
                case.carrier.extract(iterations);
                let elapsed = started.elapsed();
                per_call.push(elapsed.as_secs_f64() * 1e9 / iterations as f64);
                elapsed
            })
        });
        per_call.sort_by(f64::total_cmp);
        if let Some(median) = per_call.get(per_call.len() / 2) {
            medians.insert(case.name, *median);
        }
    }
    criterion.final_summary();
    println!("ratios (runtime / sdk, median ns per extract of the same run):");
    for shape in [
        "actix/no-traceparent",
        "actix/traceparent",
        "hashmap/no-traceparent",
    ] {
        let ours = medians.get(format!("runtime/{shape}").as_str());
        let baseline = medians.get(format!("sdk/{shape}").as_str());
        if let (Some(ours), Some(baseline)) = (ours, baseline) {
            println!(
                "  {shape:28} {ours:8.1} ns / {baseline:8.1} ns = {:.3}x",
                ours / baseline
            );
        }
    }
}
