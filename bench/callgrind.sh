#!/usr/bin/env bash
# Instructions per call of the benchmark cases, counted by valgrind's callgrind: each case runs
# twice (after the same warm-up), with N1 and N2 calls, and the difference is divided by
# N2 - N1. Counts are stable from run to run, unlike times. Two columns: the calling thread,
# and the calling thread plus the batch processor's worker thread (its share of each span's
# cost), both from the same runs (callgrind counts each thread apart).
#
#   bench/callgrind.sh                          # target 1: roots and children, sync and async,
#                                               # provider from otel-runtime and from global (~6 min)
#   bench/callgrind.sh more                     # also attributes, nesting, unsampled, no provider,
#                                               # the alternatives and in-process HTTP
#   bench/callgrind.sh sampled/traced-sync ...  # chosen cases
#   cargo bench -p bench --features contrib --bench callgrind -- list   # every case id
#
# Case ids: `sampled/...` has the provider installed with otel_runtime::set_tracer_provider,
# `global/...` with opentelemetry::global::set_tracer_provider; `...-child` cases run under a
# parent span (the parent's own cost is not counted).
#
# Needs valgrind (Debian: apt-get install -y valgrind). Set CARGO_TARGET_DIR to keep the
# release build apart from the debug one (e.g. CARGO_TARGET_DIR=/work/target-bench).
set -euo pipefail
cd "$(dirname "$0")/.."

N1=${N1:-1000}
N2=${N2:-11000}

command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed" >&2; exit 1; }

# Build the case runner (bench profile: optimised; benches/callgrind.rs) and find it.
executable=$(cargo bench -p bench --features contrib --bench callgrind --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\/callgrind-[^"]*\)".*/\1/p' | tail -n 1)
[ -x "$executable" ] || { echo "callgrind.sh: could not build the callgrind bench" >&2; exit 1; }

TARGET_CASES=(
    sampled/sdk-by-hand-in-span sampled/traced-sync
    sampled/sdk-by-hand-async sampled/traced-async
    sampled/sdk-by-hand-in-span-child sampled/traced-sync-child
    sampled/sdk-by-hand-async-child sampled/traced-async-child
    global/sdk-by-hand-in-span global/traced-sync
    global/sdk-by-hand-async global/traced-async
    global/sdk-by-hand-in-span-child global/traced-sync-child
    global/sdk-by-hand-async-child global/traced-async-child
)
# The hand-written code through the same global (boxed) tracer, for the global rows' context.
GLOBAL_TRACER_CASES=(
    global/sdk-by-hand-global-tracer-cached-in-span global/sdk-by-hand-global-tracer-cached-async
    global/sdk-by-hand-global-tracer-cached-in-span-child
    global/sdk-by-hand-global-tracer-cached-async-child
    global/sdk-by-hand-global-tracer-cached-in-span-ends-at-return
    global/sdk-by-hand-global-tracer-cached-async-ends-at-return
    global/sdk-by-hand-global-tracer-cached-in-span-ends-at-return-child
    global/sdk-by-hand-global-tracer-cached-async-ends-at-return-child
)
MORE_CASES=(
    sampled/sdk-by-hand-3-attributes sampled/traced-sync-3-attributes
    sampled/sdk-by-hand-async-3-attributes sampled/traced-async-3-attributes
    sampled/sdk-by-hand-nested-2-spans sampled/traced-nested-2-spans
    sampled/sdk-by-hand-global-tracer-per-call
    sampled/tracing-instrument-tracing-opentelemetry
    sampled/tracing-span-via-otel-runtime-tracing-layer
    sampled/traced-sync-tracing-info-bridge-no-log-exporter
    sampled/fastrace-trace-child-span
    unsampled/sdk-by-hand-in-span unsampled/traced-sync
    unsampled/sdk-by-hand-async unsampled/traced-async
    none/plain-sync-fn-no-span none/traced-sync none/traced-sync-3-attributes none/traced-async
    none/tracing-instrument-no-subscriber
    disabled/traced-sync disabled/traced-async
    http/actix-hello-world-plain http/actix-hello-world-traced-kind-server
    http/actix-hello-world-contrib-middleware
)
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
    cases=("${TARGET_CASES[@]}" "${GLOBAL_TRACER_CASES[@]}")
elif [ "${cases[*]}" = more ]; then
    cases=("${TARGET_CASES[@]}" "${GLOBAL_TRACER_CASES[@]}" "${MORE_CASES[@]}")
fi

# Only the work done inside the cases' `*_calls` loops is counted (not the process start, the
# setup, a child case's parent span, or the flushes between chunks), on the calling thread and
# on the batch processor's worker thread (its export loop), whose work per span is part of what
# a span costs.
TOGGLES=(--toggle-collect='bench::workload::*_calls' --toggle-collect='callgrind::common::*_calls'
    --toggle-collect='*BatchSpanProcessor::get_spans_and_export')

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

counted() { # case calls -> "caller all": instructions on the calling thread, and on all threads
    local case=$1 calls=$2
    rm -f "$work"/out*
    valgrind --tool=callgrind --callgrind-out-file="$work/out" --separate-threads=yes \
        --collect-atstart=no "${TOGGLES[@]}" "$executable" "$case" "$calls" \
        >/dev/null 2>"$work/log" || { cat "$work/log" >&2; return 1; }
    # One file per thread, `out-01` the main (calling) thread; `summary:` is its total.
    awk '/^summary:/ { n = $2 } END { print n + 0 }' "$work/out-01"
    cat "$work"/out-* | awk '/^summary:/ { n += $2 } END { print n + 0 }'
}

declare -A per_call per_call_all
printf '%-52s %12s %12s\n' "case (instructions per call)" "caller" "+ worker"
for case in "${cases[@]}"; do
    { read -r low; read -r low_all; } < <(counted "$case" "$N1")
    { read -r high; read -r high_all; } < <(counted "$case" "$N2")
    if [ -z "$low" ] || [ -z "$high" ] || [ "$high" -le "$low" ]; then
        echo "callgrind.sh: no count for $case" >&2
        exit 1
    fi
    per_call[$case]=$(( (high - low) / (N2 - N1) ))
    per_call_all[$case]=$(( (high_all - low_all) / (N2 - N1) ))
    printf '%-52s %12d %12d\n' "$case" "${per_call[$case]}" "${per_call_all[$case]}"
done

ratio() { # ours baseline -> "caller-ratio all-ratio", or nothing
    if [ -n "${per_call[$1]:-}" ] && [ -n "${per_call[$2]:-}" ]; then
        awk -v a="${per_call[$1]}" -v b="${per_call[$2]}" \
            -v a2="${per_call_all[$1]}" -v b2="${per_call_all[$2]}" \
            'BEGIN { printf "%.3f %.3f", a / b, a2 / b2 }'
    fi
}

echo
echo "target 1: #[traced] / SDK by hand, instructions on the calling thread (<= 1.05)"
echo "          (in brackets: calling thread + batch worker)"
printf '  %-42s %-22s %-22s\n' "" sync async
for span in root child; do
    for setup in sampled global; do
        suffix=; [ "$span" = child ] && suffix=-child
        row=()
        for flavour in sync async; do
            hand=sdk-by-hand-in-span; [ "$flavour" = async ] && hand=sdk-by-hand-async
            read -r caller all <<<"$(ratio "$setup/traced-$flavour$suffix" "$setup/$hand$suffix")" || true
            if [ -n "${caller:-}" ]; then
                verdict=ok; awk -v r="$caller" 'BEGIN { exit !(r > 1.05) }' && verdict=MISS
                row+=("$(printf '%.3fx (%.3fx) %-4s' "$caller" "$all" "$verdict")")
            else
                row+=("-")
            fi
            caller=
        done
        label="provider by otel-runtime"; [ "$setup" = global ] && label="provider via opentelemetry::global"
        printf '  %-42s %-22s %-22s\n' "$span, $label" "${row[0]}" "${row[1]}"
    done
done

# The global rows against another hand-written baseline: `global_row SYNC-CASE ASYNC-CASE LABEL`
# (case ids without the `global/sdk-by-hand-` prefix and the `-child` suffix).
global_row() {
    local sync=$1 async=$2 label=$3 row=() flavour suffix hand caller all
    for flavour in sync async; do
        for suffix in "" -child; do
            hand=$sync; [ "$flavour" = async ] && hand=$async
            caller=
            read -r caller all <<<"$(ratio "global/traced-$flavour$suffix" "global/sdk-by-hand-$hand$suffix")" || true
            [ -n "${caller:-}" ] && row+=("$flavour $([ -n "$suffix" ] && echo child || echo root) $(printf '%.3fx' "$caller")")
        done
    done
    if [ ${#row[@]} -gt 0 ]; then
        echo "  provider via global, against $label: ${row[*]}"
    fi
}
global_row global-tracer-cached-in-span global-tracer-cached-async \
    "the same global::tracer (cached) by hand"
# in_span leaves the end to the last copy of the span's context; #[traced] ends it at return.
global_row global-tracer-cached-in-span-ends-at-return global-tracer-cached-async-ends-at-return \
    "that code also ending its span at return"

others=(
    "sampled/traced-sync-3-attributes sampled/sdk-by-hand-3-attributes   sync, 3 attributes"
    "sampled/traced-async-3-attributes sampled/sdk-by-hand-async-3-attributes   async, 3 attributes"
    "sampled/traced-nested-2-spans sampled/sdk-by-hand-nested-2-spans   nested (2 spans)"
    "unsampled/traced-sync unsampled/sdk-by-hand-in-span   unsampled sync"
    "unsampled/traced-async unsampled/sdk-by-hand-async   unsampled async"
    "sampled/traced-sync sampled/tracing-instrument-tracing-opentelemetry   #[traced] / tracing-opentelemetry"
    "http/actix-hello-world-traced-kind-server http/actix-hello-world-plain   http traced / plain (in-process)"
    "http/actix-hello-world-contrib-middleware http/actix-hello-world-plain   http contrib / plain (in-process)"
)
printed=
for line in "${others[@]}"; do
    read -r ours baseline label <<<"$line"
    value=$(ratio "$ours" "$baseline")
    if [ -n "$value" ]; then
        [ -z "$printed" ] && echo "other ratios (caller, caller + worker):" && printed=1
        read -r caller all <<<"$value"
        printf '  %-40s %.3fx %.3fx\n' "$label" "$caller" "$all"
    fi
done
