#!/usr/bin/env bash
# Instructions per call of the key benchmark cases, counted by valgrind's callgrind: each case
# runs twice (after the same warm-up), with N1 and N2 calls, and the difference is divided by
# N2 - N1. Counts are stable from run to run, unlike times. Two columns: the calling thread, and
# the calling thread plus the batch processor's worker thread (its share of each span's cost).
#
#   bench/callgrind.sh                                         # the key cases (~5 minutes)
#   bench/callgrind.sh sampled/traced-sync none/traced-sync    # chosen ones
#   cargo bench -p bench --bench compare -- list               # every case id
#
# Needs valgrind (Debian: apt-get install -y valgrind). Set CARGO_TARGET_DIR to keep the
# release build apart from the debug one (e.g. CARGO_TARGET_DIR=/work/target-bench).
set -euo pipefail
cd "$(dirname "$0")/.."

N1=${N1:-1000}
N2=${N2:-11000}

command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed" >&2; exit 1; }

# Build the comparison binary (bench profile: optimised) and find it.
executable=$(cargo bench -p bench --features contrib --bench compare --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\/compare-[^"]*\)".*/\1/p' | tail -n 1)
[ -x "$executable" ] || { echo "callgrind.sh: could not build the compare bench" >&2; exit 1; }

cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
    cases=(
        sampled/sdk-by-hand-in-span sampled/traced-sync
        sampled/sdk-by-hand-3-attributes sampled/traced-sync-3-attributes
        sampled/sdk-by-hand-async sampled/traced-async
        sampled/sdk-by-hand-async-3-attributes sampled/traced-async-3-attributes
        sampled/sdk-by-hand-nested-2-spans sampled/traced-nested-2-spans
        sampled/sdk-by-hand-global-tracer-per-call
        sampled/tracing-instrument-tracing-opentelemetry
        sampled/fastrace-trace-child-span
        unsampled/sdk-by-hand-in-span unsampled/traced-sync
        unsampled/sdk-by-hand-async unsampled/traced-async
        none/plain-sync-fn-no-span none/traced-sync none/traced-sync-3-attributes none/traced-async
        none/tracing-instrument-no-subscriber
        disabled/traced-sync disabled/traced-async
        http/actix-hello-world-plain http/actix-hello-world-traced-kind-server
        http/actix-hello-world-contrib-middleware
    )
fi

# Only the work done inside the cases' `*_calls` loops is counted (not the process start, the
# setup or the flushes between chunks), on the calling thread and on the batch processor's
# worker thread (its export loop), whose work per span is part of what a span costs.
CALLER=(--toggle-collect='bench::workload::*_calls' --toggle-collect='compare::common::*_calls')
WORKER=(--toggle-collect='*BatchSpanProcessor::get_spans_and_export')

instructions() { # case calls toggles... -> instructions counted
    local case=$1 calls=$2
    shift 2
    valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no "$@" \
        "$executable" callgrind "$case" "$calls" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

declare -A per_call per_call_all
printf '%-52s %12s %12s\n' "case (instructions per call)" "caller" "+ worker"
for case in "${cases[@]}"; do
    low=$(instructions "$case" "$N1" "${CALLER[@]}")
    high=$(instructions "$case" "$N2" "${CALLER[@]}")
    low_all=$(instructions "$case" "$N1" "${CALLER[@]}" "${WORKER[@]}")
    high_all=$(instructions "$case" "$N2" "${CALLER[@]}" "${WORKER[@]}")
    if [ -z "$low" ] || [ -z "$high" ] || [ -z "$low_all" ] || [ -z "$high_all" ]; then
        echo "callgrind.sh: no count for $case" >&2
        exit 1
    fi
    per_call[$case]=$(( (high - low) / (N2 - N1) ))
    per_call_all[$case]=$(( (high_all - low_all) / (N2 - N1) ))
    printf '%-52s %12d %12d\n' "$case" "${per_call[$case]}" "${per_call_all[$case]}"
done

ratio() { # ours baseline label
    if [ -n "${per_call[$1]:-}" ] && [ -n "${per_call[$2]:-}" ]; then
        awk -v a="${per_call[$1]}" -v b="${per_call[$2]}" \
            -v a2="${per_call_all[$1]}" -v b2="${per_call_all[$2]}" -v label="$3" \
            'BEGIN { printf "  %-62s %6.3fx %6.3fx\n", label, a / b, a2 / b2 }'
    fi
}
echo "ratios (instructions: caller thread, caller + batch worker):"
ratio sampled/traced-sync sampled/sdk-by-hand-in-span "1. #[traced] sync / SDK by hand (<= 1.05)"
ratio sampled/traced-sync-3-attributes sampled/sdk-by-hand-3-attributes "1. #[traced] sync, 3 attributes / SDK by hand (<= 1.05)"
ratio sampled/traced-async sampled/sdk-by-hand-async "1. #[traced] async / SDK by hand (<= 1.05)"
ratio sampled/traced-async-3-attributes sampled/sdk-by-hand-async-3-attributes "1. #[traced] async, 3 attributes / SDK by hand (<= 1.05)"
ratio sampled/traced-nested-2-spans sampled/sdk-by-hand-nested-2-spans "   #[traced] nested / SDK by hand"
ratio unsampled/traced-sync unsampled/sdk-by-hand-in-span "1. unsampled: #[traced] sync / SDK by hand (<= 1.05)"
ratio unsampled/traced-async unsampled/sdk-by-hand-async "1. unsampled: #[traced] async / SDK by hand (<= 1.05)"
ratio sampled/traced-sync sampled/tracing-instrument-tracing-opentelemetry "2. #[traced] sync / tracing + tracing-opentelemetry (<= 0.333)"
