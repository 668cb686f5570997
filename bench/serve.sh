#!/usr/bin/env bash
# bench/serve.sh measures `wk serve`'s HTTP API with wrk:
#   1. req/s of token-authenticated GET /api/user against GET /healthz (goal: >= 0.5x);
#   2. peak RSS (VmHWM) while 256 clients log in at once (goal: < 256 MiB).
# It builds internal/server/benchserver, runs it on a throwaway store in a temporary
# folder, and prints the figures. Secrets stay in files, never on a command line.
# Usage: bench/serve.sh [DURATION]   (default 10s per run)
set -euo pipefail

DURATION=${1:-10s}
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
	echo "installing wrk" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
fi

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
	if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

go build -o "$WORK/benchserver" ./internal/server/benchserver
( umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$WORK/password" )
mkdir -m 700 "$WORK/store"

"$WORK/benchserver" -dir "$WORK/store" -password-file "$WORK/password" > "$WORK/addr" 2> "$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do [[ -s $WORK/addr ]] && break; sleep 0.1; done
ADDR=$(head -n1 "$WORK/addr")
[[ -n $ADDR ]] || { echo "benchserver did not start:" >&2; cat "$WORK/server.log" >&2; exit 1; }
URL="http://$ADDR"

# wrk scripts read the secrets from files at start-up.
cat > "$WORK/token.lua" <<LUA
local f = assert(io.open("$WORK/store/token"))
wrk.headers["X-Auth-Token"] = f:read("*l")
f:close()
LUA
cat > "$WORK/login.lua" <<LUA
local f = assert(io.open("$WORK/password"))
local pw = f:read("*l")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@example.com","password":"' .. pw .. '"}'
LUA

rps() { awk '/Requests\/sec/ {print $2}'; }
status_errors() { awk '/Non-2xx/ {n = $5} END {print n + 0}'; }

echo "server $URL, wrk $DURATION per run, $(nproc) cores"
wrk -t2 -c64 -d"$DURATION" "$URL/healthz" > "$WORK/healthz.txt"
wrk -t2 -c64 -d"$DURATION" -s "$WORK/token.lua" "$URL/api/user" > "$WORK/user.txt"
HEALTH=$(rps < "$WORK/healthz.txt")
USER=$(rps < "$WORK/user.txt")
echo "GET /healthz               ${HEALTH} req/s"
echo "GET /api/user (X-Auth-Token) ${USER} req/s  non-2xx: $(status_errors < "$WORK/user.txt")"
awk -v u="$USER" -v h="$HEALTH" 'BEGIN { r = u / h; printf "ratio user/healthz         %.2f (goal >= 0.50) %s\n", r, (r >= 0.5 ? "OK" : "MISSED") }'

BEFORE=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
wrk -t2 -c256 -d"$DURATION" --timeout 30s -s "$WORK/login.lua" "$URL/api/auth/login" > "$WORK/login.txt"
PEAK=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
echo "POST /api/auth/login x256  $(rps < "$WORK/login.txt") req/s  non-2xx: $(status_errors < "$WORK/login.txt")"
awk -v p="$PEAK" -v b="$BEFORE" 'BEGIN { printf "peak RSS (VmHWM)           %.1f MiB (before logins %.1f MiB; goal < 256) %s\n", p/1024, b/1024, (p/1024 < 256 ? "OK" : "MISSED") }'
