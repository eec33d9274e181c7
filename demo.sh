#!/usr/bin/env bash
# Runs the whole demo: demo-server (with its local upstream stub) and demo-client, then stops
# the server. Both print their spans on stdout; all four spans share one trace id, and so does
# the server's log line "calling upstream" (on its stderr, printed here after the spans).
# Extra arguments go to demo-server (e.g. --upstream https://www.wikipedia.org/wiki/Rabbit).
set -euo pipefail
cd "$(dirname "$0")"
cargo build --quiet -p demo-server -p demo-client
bin=${CARGO_TARGET_DIR:-target}/debug
log=$(mktemp)
trap 'rm -f "$log"' EXIT

"$bin/demo-server" --bind 127.0.0.1:0 "$@" > >(sed -u 's/^/[server] /') 2>"$log" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q '^demo-server: listening on' "$log" && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
url=$(grep '^demo-server: listening on' "$log" | grep -o 'http://[^ ]*/' | head -n 1 || true)
if [ -z "$url" ]; then
  cat "$log" >&2
  kill -INT "$server_pid" 2>/dev/null || true
  exit 1
fi
echo "[server] $(grep '^demo-server: listening on' "$log")"

status=0
"$bin/demo-client" --url "$url" > >(sed -u 's/^/[client] /') 2>&1 || status=$?
kill -INT "$server_pid"
wait "$server_pid" || true
sleep 0.2 # let the [server] prefixer print the spans flushed at shutdown
grep ' calling upstream ' "$log" | sed 's/^/[server log] /' || true
exit "$status"
