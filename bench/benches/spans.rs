//! Criterion benchmarks of every case in `benches/common` (the same cases as `compare`, run the
//! criterion way: one case after the other, each with its own warm-up and samples), followed by
//! the ratios of `#[traced]` to the baselines measured in the same run.
//!
//! ```text
//! cargo bench -p bench --bench spans                      # everything, ~3 minutes
//! cargo bench -p bench --bench spans -- sampled/          # one phase (criterion's filter)
//! cargo bench -p bench --features contrib --bench spans   # with the contrib actix middleware
//! ```
//!
//! The ratio table at the end uses the median time per call of each case's measured samples.
//! For ratios that hold on a busy machine, prefer `compare` (interleaved rounds) and
//! `bench/callgrind.sh` (instruction counts).

mod common;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bench::measure::median;
use common::{phases, Installed};
use criterion::Criterion;

/// Time per call of every sample criterion took, per `phase/case`.
static SAMPLES: Mutex<BTreeMap<String, Vec<f64>>> = Mutex::new(BTreeMap::new());

const SAMPLE_SIZE: usize = 50;

fn main() {
    let mut criterion = Criterion::default()
        .sample_size(SAMPLE_SIZE)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let mut pairs = Vec::new();
    // Phases in order: a provider, once installed, stays installed.
    for phase in phases() {
        let installed: Installed = (phase.install)();
        let mut group = criterion.benchmark_group(phase.name);
        for case in &phase.cases {
            let key = format!("{}/{}", phase.name, case.name);
            let run = case.run;
            group.bench_function(case.name, |bencher| {
                bencher.iter_custom(|iterations| {
                    let start = Instant::now();
                    run(iterations);
                    let elapsed = start.elapsed();
                    SAMPLES
                        .lock()
                        .unwrap()
                        .entry(key.clone())
                        .or_default()
                        .push(elapsed.as_nanos() as f64 / iterations as f64);
                    elapsed
                });
            });
        }
        group.finish();
        installed.flush();
        for (case, baseline) in &phase.pairs {
            pairs.push((phase.name, *case, *baseline));
        }
    }
    criterion.final_summary();

    let samples = SAMPLES.lock().unwrap();
    // The last SAMPLE_SIZE calls of each case are its measured samples (warm-up came first).
    let median_of = |phase: &str, case: &str| {
        samples.get(&format!("{phase}/{case}")).map(|all| {
            let measured = &all[all.len().saturating_sub(SAMPLE_SIZE)..];
            median(measured.to_vec())
        })
    };
    println!();
    println!("ratios (median ns per call of the measured samples, this run):");
    for (phase, case, baseline) in pairs {
        if let (Some(ours), Some(theirs)) = (median_of(phase, case), median_of(phase, baseline)) {
            println!(
                "  {phase:<9} {case} / {baseline}: {ours:.1} / {theirs:.1} ns = {:.3}x",
                ours / theirs
            );
        }
    }
}
