//! One case of `benches/common`, run for valgrind's callgrind: `callgrind CASE-ID CALLS` makes
//! CALLS calls (after a warm-up) and flushes the batch processor. `bench/callgrind.sh` runs it
//! twice per case, with two numbers of calls, and divides the difference in instructions by the
//! difference in calls.
//!
//! A binary of its own, without `compare`'s counting allocator: the instructions counted are
//! those of the code under test and the system allocator only.
//!
//! ```text
//! cargo bench -p bench --features contrib --bench callgrind -- list
//! valgrind --tool=callgrind target/release/deps/callgrind-* sampled/traced-sync 10000
//! ```

mod common;

use bench::measure::WARM_UP;
use common::{case_id, phases};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    match (args.first(), args.get(1).and_then(|n| n.parse().ok())) {
        (Some(id), Some(calls)) => run(id, calls),
        (Some(list), None) if list == "list" => {
            for phase in phases() {
                for case in &phase.cases {
                    println!("{}\t{}", case_id(&phase, case), case.name);
                }
            }
        }
        _ => {
            // `cargo bench` without arguments runs every bench target: nothing to do here.
            eprintln!("usage: callgrind CASE-ID CALLS | list (see bench/callgrind.sh)");
        }
    }
}

/// Runs `calls` calls of the case `id`.
fn run(id: &str, calls: u64) {
    // Phases install providers for good: only the wanted phase is set up.
    for phase in phases() {
        if let Some(case) = phase.cases.iter().find(|case| case_id(&phase, case) == id) {
            let installed = (phase.install)();
            (case.run)(WARM_UP);
            installed.flush();
            // Flushing every CHUNK calls (fewer than the batch processor's export batch) keeps
            // its queue from filling up while valgrind runs the threads one at a time: no span
            // is dropped, so the counts do not depend on scheduling. The flushes themselves
            // happen outside the functions callgrind.sh counts in.
            const CHUNK: u64 = 256;
            let mut done = 0;
            while done < calls {
                let chunk = CHUNK.min(calls - done);
                (case.run)(chunk);
                installed.flush();
                done += chunk;
            }
            return;
        }
    }
    eprintln!("no case {id:?}: see `callgrind list`");
    std::process::exit(2);
}
