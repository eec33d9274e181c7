#!/usr/bin/env bash
# HTTP comparison: the same actix-web hello-world handler served plain, with
# `#[traced(kind = server)]`, and with opentelemetry-instrumentation-actix-web's middleware.
# One worker thread, the server pinned to one core and the load generator to the other;
# alternating rounds (the order rotates), then medians and ratios to the plain server.
# Traced variants export through the SDK batch processor to a no-op exporter (AlwaysOn).
#
#   bench/http-compare.sh                       # 5 rounds x 3 servers x 5 s, ~2 minutes
#   ROUNDS=9 DURATION=10 bench/http-compare.sh
#   MODES="plain traced" bench/http-compare.sh  # without the contrib middleware
#   LOADGEN=rust bench/http-compare.sh          # bench's own load generator even if wrk is here
#
# Load generator: wrk if installed (Debian: apt-get install -y wrk), else bench/src/bin/loadgen.rs.
# Only 127.0.0.1 is used; every process started here is stopped here, by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
CONNECTIONS=${CONNECTIONS:-64}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
MODES=${MODES:-plain traced contrib}
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
    taskset -c "$SERVER_CPU" "$bin/http-server" --mode "$1" --workers 1 \
        >"$work/server.out" 2>"$work/server.err" &
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

load() { # url -> requests per second
    local url=$1
    if [ "$LOADGEN" = wrk ]; then
        taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "$url" >/dev/null
        taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$url" |
            sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'
    else
        taskset -c "$CLIENT_CPU" "$bin/loadgen" --url "$url" --connections "$CONNECTIONS" \
            --duration "$DURATION" --warmup "$WARMUP" | sed -n 's/.* rps=\([0-9.]*\).*/\1/p'
    fi
}

read -r -a modes <<<"$MODES"
echo "$(date -u +%FT%TZ) $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1);" \
    "load: $LOADGEN, $CONNECTIONS connections, ${DURATION}s per run, $ROUNDS rounds"
for round in $(seq "$ROUNDS"); do
    for i in "${!modes[@]}"; do
        mode=${modes[$(((i + round) % ${#modes[@]}))]}
        start_server "$mode"
        rps=$(load "http://$address/")
        stop_server
        spans=$(sed -n 's/^http-server: //p' "$work/server.err")
        echo "round $round  $(printf '%-8s' "$mode") $(printf '%10.0f' "$rps") req/s  ${spans:-}"
        echo "$round $mode $rps" >>"$work/results"
    done
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
printf '%-8s %12s %14s %22s\n' server "median req/s" "median/plain" "median of round ratios"
plain=$(awk '$2 == "plain" { print $3 }' "$work/results" | median)
for mode in "${modes[@]}"; do
    value=$(awk -v m="$mode" '$2 == m { print $3 }' "$work/results" | median)
    # The ratio within each round (same load on the machine), then the median over rounds.
    per_round=$(awk -v m="$mode" '
        $2 == "plain" { plain[$1] = $3 }
        $2 == m { mine[$1] = $3 }
        END { for (r in mine) if (r in plain) print mine[r] / plain[r] }' "$work/results" | median)
    awk -v m="$mode" -v v="$value" -v p="$plain" -v r="$per_round" \
        'BEGIN { printf "%-8s %12.0f %13.3fx %21.3fx\n", m, v, v / p, r }'
done
