#!/usr/bin/env bash
# Instructions per request of the HTTP comparison's servers, counted by valgrind's callgrind in
# the server process (user space, all its threads: actix's worker, the batch processor): each
# server is run twice, serving N1 and then N2 requests from bench's load generator, and the
# difference is divided by N2 - N1. Stable on a busy machine, unlike requests per second; the
# kernel's share of a request (the socket system calls) is not counted.
#
#   bench/http-callgrind.sh
#   MODES="plain traced" N1=2000 N2=12000 bench/http-callgrind.sh
#
# Needs valgrind (Debian: apt-get install -y valgrind). Only 127.0.0.1 is used; every process
# started here is stopped here, by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."

N1=${N1:-2000}
N2=${N2:-12000}
CONNECTIONS=${CONNECTIONS:-4}
MODES=${MODES:-plain traced contrib}
command -v valgrind >/dev/null || { echo "http-callgrind.sh: valgrind is not installed" >&2; exit 1; }

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

instructions() { # mode requests -> instructions of the server process
    : >"$work/server.out"
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$bin/http-server" --mode "$1" --workers 1 >"$work/server.out" 2>"$work/server.err" &
    server_pid=$!
    local address=
    for _ in $(seq 600); do
        address=$(sed -n 's/^listening on //p' "$work/server.out" | head -n 1)
        [ -n "$address" ] && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$address" ]; then
        echo "http-callgrind.sh: the $1 server did not start" >&2
        cat "$work/server.err" >&2
        exit 1
    fi
    "$bin/loadgen" --url "http://$address/" --requests "$2" --connections "$CONNECTIONS" >/dev/null
    kill -TERM "$server_pid"
    wait "$server_pid" || true
    server_pid=
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/server.err"
}

declare -A per_request
printf '%-8s %24s\n' server "instructions per request"
read -r -a modes <<<"$MODES"
for mode in "${modes[@]}"; do
    low=$(instructions "$mode" "$N1")
    high=$(instructions "$mode" "$N2")
    per_request[$mode]=$(( (high - low) / (N2 - N1) ))
    printf '%-8s %24d\n' "$mode" "${per_request[$mode]}"
done
if [ -n "${per_request[plain]:-}" ]; then
    echo "vs plain (user-space instructions):"
    for mode in "${modes[@]}"; do
        awk -v m="$mode" -v a="${per_request[$mode]}" -v b="${per_request[plain]}" \
            'BEGIN { printf "  %-8s %.3fx (+%d per request)\n", m, a / b, a - b }'
    done
fi
