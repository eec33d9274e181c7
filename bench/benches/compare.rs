//! Side-by-side comparison of `#[traced]` with the hand-written SDK code and the alternatives:
//! nanoseconds per call (median of interleaved rounds), heap allocations per call, and the
//! ratios of the issue's targets, each measured in the same run.
//!
//! ```text
//! cargo bench -p bench --bench compare                 # every phase, then the targets
//! cargo bench -p bench --bench compare -- sampled      # one phase
//! cargo bench -p bench --bench compare -- list         # the case ids
//! BENCH_ROUNDS=61 BENCH_ROUND_MS=20 cargo bench -p bench --bench compare
//! ```
//!
//! Instruction counts come from the `callgrind` bench (same cases, no counting allocator) run by
//! `bench/callgrind.sh`.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use bench::counting::{allocations_per_call, CountingAllocator};
use bench::measure::{interleaved, Samples};
use common::{case_id, phases, Phase};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    match args.first().map(String::as_str) {
        Some("list") => {
            for phase in phases() {
                for case in &phase.cases {
                    println!("{}\t{}", case_id(&phase, case), case.name);
                }
            }
        }
        _ => {
            let rounds = env_number("BENCH_ROUNDS", 31) as usize;
            let round_time = Duration::from_millis(env_number("BENCH_ROUND_MS", 10));
            let mut results = BTreeMap::new();
            for phase in phases() {
                if args.is_empty() || args.iter().any(|wanted| wanted == phase.name) {
                    let measured = run_phase(&phase, rounds, round_time);
                    results.insert(phase.name, measured);
                }
            }
            print_targets(&results);
        }
    }
}

/// What one phase measured, per case name.
struct Measured {
    samples: BTreeMap<&'static str, Samples>,
    allocations: BTreeMap<&'static str, f64>,
}

fn run_phase(phase: &Phase, rounds: usize, round_time: Duration) -> Measured {
    let installed = (phase.install)();
    let exported_before = installed.flush().unwrap_or(0);
    let (samples, calls) = interleaved(&phase.cases, rounds, round_time);
    let allocations: Vec<f64> = phase
        .cases
        .iter()
        .map(|case| allocations_per_call(10_000, case.run))
        .collect();
    let made: u64 = phase
        .cases
        .iter()
        .zip(&calls)
        .map(|(case, calls)| case.spans_per_call * (calls + 10_000))
        .sum();

    println!();
    println!(
        "== {} ({}): {rounds} rounds of ~{} ms per case",
        phase.name,
        phase.what,
        round_time.as_millis()
    );
    println!(
        "{:<48} {:>9} {:>19} {:>8}",
        "case", "median ns", "quartiles ns", "allocs"
    );
    for (sample, allocs) in samples.iter().zip(&allocations) {
        let (q1, q3) = sample.quartiles();
        println!(
            "{:<48} {:>9.1} {:>9.1} – {:<7.1} {:>8.2}",
            sample.name,
            sample.median(),
            q1,
            q3,
            allocs
        );
    }
    let by_name: BTreeMap<&'static str, Samples> = samples
        .into_iter()
        .map(|sample| (sample.name, sample))
        .collect();
    println!("ratios (median of per-round ratios):");
    for (case, baseline) in &phase.pairs {
        let ratio = by_name[case].ratio_to(&by_name[baseline]);
        println!("  {case} / {baseline}: {ratio:.3}x");
    }
    if let Some(exported) = installed.flush() {
        let exported = exported - exported_before;
        println!(
            "spans exported {exported} of {made} sampled{}",
            if exported < made {
                format!(
                    ": {} dropped by a full queue, timings understate the cost",
                    made - exported
                )
            } else {
                String::new()
            }
        );
    }
    Measured {
        allocations: phase
            .cases
            .iter()
            .zip(allocations)
            .map(|(case, allocs)| (case.name, allocs))
            .collect(),
        samples: by_name,
    }
}

fn print_targets(results: &BTreeMap<&'static str, Measured>) {
    println!();
    println!("== targets");
    let verdict = |ok: bool| if ok { "ok  " } else { "MISS" };
    for phase in ["sampled", "global", "unsampled"] {
        let Some(measured) = results.get(phase) else {
            continue;
        };
        let with_attributes = [
            ("#[traced] sync, 3 attributes", "SDK by hand, 3 attributes"),
            (
                "#[traced] async, 3 attributes",
                "SDK by hand, async, 3 attributes",
            ),
        ];
        for (ours, hand) in common::SPAN_PAIRS.iter().chain(&with_attributes) {
            if let (Some(a), Some(b)) = (measured.samples.get(ours), measured.samples.get(hand)) {
                let ratio = a.ratio_to(b);
                println!(
                    "{} 1. {phase}: {ours} / {hand} = {ratio:.3}x (<= 1.05x)",
                    verdict(ratio <= 1.05)
                );
            }
        }
    }
    if let Some(measured) = results.get("sampled") {
        let ours = &measured.samples["#[traced] sync"];
        let theirs = &measured.samples["tracing #[instrument] + tracing-opentelemetry"];
        let ratio = ours.ratio_to(theirs);
        println!(
            "{} 2. #[traced] sync / tracing #[instrument] + tracing-opentelemetry = {ratio:.3}x (<= 0.333x)",
            verdict(ratio <= 1.0 / 3.0)
        );
    }
    for phase in ["none", "disabled"] {
        let Some(measured) = results.get(phase) else {
            continue;
        };
        for ours in [
            "#[traced] sync",
            "#[traced] sync, 3 attributes",
            "#[traced] async",
        ] {
            let ns = measured.samples[ours].median();
            let allocs = measured.allocations[ours];
            println!(
                "{} 3. {phase}: {ours} = {ns:.1} ns, {allocs} allocations per call (<= 5 ns, 0)",
                verdict(ns <= 5.0 && allocs == 0.0)
            );
        }
    }
}
