#!/usr/bin/env bash
# HTTP comparison: the same actix-web hello-world handler served plain, with
# `#[traced(kind = server)]`, with opentelemetry-instrumentation-actix-web's middleware, and
# with `#[traced(kind = server)]` set up by `otel_runtime::init()` and no variables (console
# exporter, its output into a file). One worker thread, the server process (all its threads)
# pinned to one core and the load generator to the other; alternating rounds (the order
# rotates), then medians and ratios to the plain server, the ratio of each round taken within
# the round. `traced` and `contrib` export through the SDK batch processor to a no-op exporter
# (AlwaysOn); `traced-metrics` is `traced` with the HTTP server metrics recorded too (a meter
# provider, periodic reader every 10 s, no-op metric exporter).
#
#   bench/http-compare.sh                       # 5 rounds x 5 servers x 5 s, ~4 minutes
#   ROUNDS=9 DURATION=10 bench/http-compare.sh
#   MODES="plain traced" bench/http-compare.sh  # a subset
#   LOADGEN=rust bench/http-compare.sh          # bench's own load generator even if wrk is here
#   BASELINE=/path/to/other/release bench/http-compare.sh   # adds `traced@base`, `defaults@base`
#                                               # ... served by http-server from that directory
#
# Load generator: wrk if installed (Debian: apt-get install -y wrk), else bench/src/bin/loadgen.rs.
# Only 127.0.0.1 is used; every process started here is stopped here, by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
CONNECTIONS=${CONNECTIONS:-32}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
MODES=${MODES:-plain traced traced-metrics contrib defaults}
if [ -n "${BASELINE:-}" ]; then
    MODES="$MODES traced@base defaults@base"
fi
if [ -z "${LOADGEN:-}" ]; then
    if command -v wrk >/dev/null; then LOADGEN=wrk; else LOADGEN=rust; fi
fi

features=()
case " $MODES " in *" contrib "*) features=(--features contrib) ;; esac
echo "building (release)..." >&2
cargo build --release -q -p bench "${features[@]}" --bin http-server --bin loadgen
bin="${CARGO_TARGET_DIR:-target}/release"

work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

start_server() { # mode -> sets server_pid, address
    : >"$work/server.out"
    local server=$bin/http-server mode=$1
    case "$mode" in *@base) server=$BASELINE/http-server mode=${mode%@base} ;; esac
    # No OTEL_* variable reaches the server: `defaults` is init() with none.
    taskset -c "$SERVER_CPU" env $(env | sed -n 's/^\(OTEL_[^=]*\)=.*/-u \1/p') \
        "$server" --mode "$mode" --workers 1 >"$work/server.out" 2>"$work/server.err" &
    server_pid=$!
    for _ in $(seq 100); do
        address=$(sed -n 's/^listening on //p' "$work/server.out" | head -n 1)
        [ -n "$address" ] && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "http-compare.sh: the $1 server did not start:" >&2
    cat "$work/server.err" >&2
    exit 1
}

stop_server() {
    kill -TERM "$server_pid"
    wait "$server_pid" || true
    server_pid=
}

# CPU time of the server process so far, all its threads (the actix worker, the batch
# processor's or the console's exporter thread), in nanoseconds: user and system time, from
# the scheduler's per-thread accounting.
server_cpu_ns() {
    cat /proc/"$server_pid"/task/*/schedstat 2>/dev/null | awk '{ ns += $1 } END { printf "%.0f", ns }'
}

load() { # url -> "requests-per-second server-cpu-ns-per-request"
    local url=$1 out cpu_before cpu_after
    if [ "$LOADGEN" = wrk ]; then
        taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "$url" >/dev/null
        cpu_before=$(server_cpu_ns)
        out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$url")
        cpu_after=$(server_cpu_ns)
        awk -v before="$cpu_before" -v after="$cpu_after" '
            /^Requests\/sec:/ { rps = $2 }
            / requests in / { requests = $1 }
            END { printf "%s %.0f\n", rps, (after - before) / requests }' <<<"$out"
    else
        taskset -c "$CLIENT_CPU" "$bin/loadgen" --url "$url" --connections "$CONNECTIONS" \
            --duration "$WARMUP" >/dev/null
        cpu_before=$(server_cpu_ns)
        out=$(taskset -c "$CLIENT_CPU" "$bin/loadgen" --url "$url" --connections "$CONNECTIONS" \
            --duration "$DURATION")
        cpu_after=$(server_cpu_ns)
        sed -n 's/.*requests=\([0-9]*\).* rps=\([0-9.]*\).*/\2 \1/p' <<<"$out" |
            awk -v before="$cpu_before" -v after="$cpu_after" \
                '{ printf "%s %.0f\n", $1, (after - before) / $2 }'
    fi
}

read -r -a modes <<<"$MODES"
echo "$(date -u +%FT%TZ) $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1);" \
    "load: $LOADGEN, $CONNECTIONS connections, ${DURATION}s per run, $ROUNDS rounds"
for round in $(seq "$ROUNDS"); do
    for i in "${!modes[@]}"; do
        mode=${modes[$(((i + round) % ${#modes[@]}))]}
        start_server "$mode"
        read -r rps cpu <<<"$(load "http://$address/")"
        stop_server
        spans=$(sed -n 's/^http-server: //p' "$work/server.err" | paste -sd ';' -)
        case "$mode" in defaults*) spans="$(grep -vc '^listening on' "$work/server.out") console lines" ;; esac
        # How busy the server's core was: requests per second x CPU time per request. Below
        # ~90% the load generator (starved by something else on its core) set the pace, and
        # the requests per second of that run say nothing about the server.
        busy=$(awk -v r="$rps" -v c="$cpu" 'BEGIN { printf "%.0f", r * c / 1e7 }')
        echo "round $round  $(printf '%-14s' "$mode") $(printf '%10.0f' "$rps") req/s" \
            "$(printf '%6.2f' "$(awk -v c="$cpu" 'BEGIN { print c / 1000 }')") CPU-us/req" \
            "$(printf '%3d' "$busy")% busy  ${spans:-}"
        echo "$round $mode $rps $busy" >>"$work/results"
        echo "$round $mode $cpu" >>"$work/cpu"
    done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The ratio of `mode` to `base` within each round (same load on the machine), one per line,
# from the rounds where both servers were saturated (>= 90% busy).
round_ratios() { # mode base
    awk -v m="$1" -v b="$2" '
        $4 < 90 { next }
        $2 == b { base[$1] = $3 }
        $2 == m { mine[$1] = $3 }
        END { for (r in mine) if (r in base) print mine[r] / base[r] }' "$work/results"
}
saturated=$(awk '$2 == "plain" && $4 >= 90 { n++ } END { print n + 0 }' "$work/results")
echo
echo "requests per second (ratios: median over the $saturated of $ROUNDS rounds whose plain server was saturated)"
printf '%-14s %12s %12s %14s %22s\n' server "median req/s" "min - max" "median/plain" "median of round ratios"
plain=$(awk '$2 == "plain" { print $3 }' "$work/results" | median)
declare -A ratio
for mode in "${modes[@]}"; do
    value=$(awk -v m="$mode" '$2 == m { print $3 }' "$work/results" | median)
    spread=$(awk -v m="$mode" '$2 == m { if (lo == "" || $3 < lo) lo = $3; if ($3 > hi) hi = $3 }
        END { printf "%.0f-%.0fk", lo / 1000, hi / 1000 }' "$work/results")
    ratio[$mode]=$(round_ratios "$mode" plain | median)
    awk -v m="$mode" -v v="$value" -v p="$plain" -v r="${ratio[$mode]}" -v s="$spread" \
        'BEGIN { printf "%-14s %12.0f %12s %13.3fx %22s\n", m, v, s, v / p,
                 (r == "") ? "-" : sprintf("%.3fx", r) }'
done

# CPU time per request: what the server core spends on one request (its threads, user and
# kernel). Far less sensitive to other load on the machine than requests per second; when the
# server's core is the bottleneck, throughput ratios are the inverse of these ratios.
echo
printf '%-14s %20s %28s\n' server "median CPU-us/req" "plain/mode (median of rounds)"
declare -A capacity
for mode in "${modes[@]}"; do
    cpu=$(awk -v m="$mode" '$2 == m { print $3 }' "$work/cpu" | median)
    capacity[$mode]=$(awk -v m="$mode" '
        $2 == "plain" { base[$1] = $3 }
        $2 == m { mine[$1] = $3 }
        END { for (r in mine) if (r in base) print base[r] / mine[r] }' "$work/cpu" | median)
    awk -v m="$mode" -v c="$cpu" -v r="${capacity[$mode]}" \
        'BEGIN { printf "%-14s %20.2f %27.3fx\n", m, c / 1000, r }'
done

# The targets, on the medians of the per-round ratios.
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t) ? "ok  " : "MISS" }'; }
echo
if [ -n "${capacity[traced]:-}" ]; then
    echo "$(verdict "${capacity[traced]}" 0.85) 2. traced / plain = ${capacity[traced]} by CPU per request" \
        "(>= 0.85; by req/s in saturated rounds: ${ratio[traced]:-none})"
fi
if [ -n "${capacity[traced-metrics]:-}" ]; then
    echo "$(verdict "${capacity[traced-metrics]}" 0.80) 16.5 traced-metrics / plain =" \
        "${capacity[traced-metrics]} by CPU per request (>= 0.80; by req/s in saturated rounds:" \
        "${ratio[traced-metrics]:-none})"
fi
if [ -n "${capacity[traced]:-}" ] && [ -n "${capacity[contrib]:-}" ]; then
    # Per round: CPU per request of contrib over traced's (> 1: traced is cheaper).
    per_round=$(awk '$2 == "traced" { t[$1] = $3 } $2 == "contrib" { c[$1] = $3 }
        END { for (r in t) if (r in c) print c[r] / t[r] }' "$work/cpu")
    ahead=$(awk '$1 > 1 { n++ } END { print n + 0 }' <<<"$per_round")
    traced_over_contrib=$(median <<<"$per_round")
    echo "$(verdict "$traced_over_contrib" 1.0000001) 2. traced / contrib = $traced_over_contrib by CPU" \
        "per request (> 1; traced cheaper in $ahead of $ROUNDS rounds; by req/s in saturated" \
        "rounds: $(round_ratios traced contrib | median))"
fi
if [ -n "${capacity[defaults]:-}" ]; then
    echo "$(verdict "${capacity[defaults]}" 0.70) 3. defaults (init(), console into a file) / plain =" \
        "${capacity[defaults]} by CPU per request (>= 0.70; by req/s in saturated rounds:" \
        "${ratio[defaults]:-none})"
fi
