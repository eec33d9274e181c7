//! Shared pieces of the benchmarks in `benches/` and of the HTTP comparison's binaries: the
//! tracer provider every case uses (the SDK's batch processor feeding an exporter that drops
//! everything), the functions under test (`#[traced]` and the hand-written SDK code doing the
//! same), an allocation counter and a timing loop that is robust on a small, noisy machine.
//!
//! The alternatives (`tracing` + `tracing-opentelemetry`, fastrace) are dev-dependencies and
//! live in `benches/common/`. See BENCHMARKS.md at the repository root for the method.

pub mod counting;
pub mod measure;
pub mod provider;
pub mod workload;
