//! Timing on a small, noisy machine: every case of a comparison runs in the same rounds, in a
//! rotating order, so a burst of load elsewhere hits all of them alike; a comparison is the
//! median over rounds of the ratio measured within each round.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// One benchmark case: `run(n)` makes `n` calls.
#[derive(Clone, Copy)]
pub struct Case {
    /// The name printed in the tables.
    pub name: &'static str,
    /// Makes the given number of calls.
    pub run: fn(u64),
    /// How many spans each call hands to the OpenTelemetry provider when sampled (to check
    /// that the batch processor dropped none).
    pub spans_per_call: u64,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Nanoseconds per call of each case, one entry per round.
#[derive(Debug, Clone)]
pub struct Samples {
    /// The case's name.
    pub name: &'static str,
    /// Nanoseconds per call, one per round.
    pub ns: Vec<f64>,
}

impl Samples {
    /// The median over rounds.
    pub fn median(&self) -> f64 {
        median(self.ns.clone())
    }

    /// The first and third quartiles over rounds.
    pub fn quartiles(&self) -> (f64, f64) {
        let mut sorted = self.ns.clone();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        (at(0.25), at(0.75))
    }

    /// The median over rounds of `self / other` measured in the same round.
    pub fn ratio_to(&self, other: &Samples) -> f64 {
        median(
            self.ns
                .iter()
                .zip(&other.ns)
                .map(|(mine, theirs)| mine / theirs)
                .collect(),
        )
    }
}

/// The median of `values` (not empty).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    }
}

/// How many calls of `case` take about `target`, and how many calls finding it out made.
fn calibrate(case: &Case, target: Duration) -> (u64, u64) {
    let mut calls = 16_u64;
    let mut made = 0;
    loop {
        let start = Instant::now();
        (case.run)(black_box(calls));
        let elapsed = start.elapsed();
        made += calls;
        if elapsed >= target / 4 || calls >= 1 << 30 {
            let per_call = elapsed.as_secs_f64() / calls as f64;
            let wanted = (target.as_secs_f64() / per_call.max(1e-12)) as u64;
            return (wanted.clamp(16, 1 << 32), made);
        }
        calls *= 4;
    }
}

/// Runs every case for `rounds` rounds of about `round_time` each (warm-up and calibration
/// first), rotating the order each round, and returns the nanoseconds per call.
///
/// Also returns how many calls each case made in all.
pub fn interleaved(
    cases: &[Case],
    rounds: usize,
    round_time: Duration,
) -> (Vec<Samples>, Vec<u64>) {
    let (calls, mut total): (Vec<u64>, Vec<u64>) = cases
        .iter()
        .map(|case| {
            (case.run)(WARM_UP); // caches filled, tracers fetched, lazy state built
            let (calls, made) = calibrate(case, round_time);
            (calls, WARM_UP + made)
        })
        .unzip();
    let mut samples: Vec<Samples> = cases
        .iter()
        .map(|case| Samples {
            name: case.name,
            ns: Vec::with_capacity(rounds),
        })
        .collect();
    for round in 0..rounds {
        for offset in 0..cases.len() {
            let index = (round + offset) % cases.len();
            let start = Instant::now();
            (cases[index].run)(black_box(calls[index]));
            let elapsed = start.elapsed();
            samples[index]
                .ns
                .push(elapsed.as_nanos() as f64 / calls[index] as f64);
            total[index] += calls[index];
        }
    }
    (samples, total)
}

/// Calls made before measuring.
pub const WARM_UP: u64 = 1_000;
