#!/usr/bin/env bash
# Start-up speed of wk, side by side in one run: a hello-world Go binary, `wk --version`
# (goal: within 5x hello) and a signed-in `wk profile show --json` on the local store
# (goal: within 10x hello), then the store's hot paths per call.
#   bash bench/startup.sh            # uses hyperfine when installed, else go test -bench
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/hello"
printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n' > "$work/hello/main.go"
printf 'module hello\n\ngo 1.26\n' > "$work/hello/go.mod"
(cd "$work/hello" && CGO_ENABLED=0 go build -o "$work/hello-bin" .)
# Measure the binary as released: static, without cgo (see .goreleaser.yaml).
CGO_ENABLED=0 go build -trimpath -o "$work/wk" ./cmd/wk

# wk gets a fresh HOME; Go keeps its own module and build caches.
export GOPATH=$(go env GOPATH) GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE)
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_DATA_HOME=$work/home/.local/share
unset WK_TOKEN WK_URL WK_DB
printf 'correct horse battery\n' | "$work/wk" init --org Bench --email bench@example.com --name "Bench Mark" --password-stdin 2>/dev/null
printf 'correct horse battery\n' | "$work/wk" login --email bench@example.com --password-stdin 2>/dev/null

if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 20 --runs 300 --export-json "$work/h.json" \
    "$work/hello-bin" "$work/wk --version" "$work/wk profile show --json" >/dev/null
  python3 - "$work/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["median"]
goal = {1: 5, 2: 10}
for i, x in enumerate(r):
    name = x["command"].split("/")[-1]
    line = f"{name:32s} median {x['median']*1000:6.2f} ms  mean {x['mean']*1000:6.2f} ms"
    if i:
        ratio = x["median"] / base
        line += f"  {ratio:4.1f}x hello (goal <= {goal[i]}x: {'ok' if ratio <= goal[i] else 'MISSED'})"
    print(line)
PY
else
  go test ./cmd/wk -run '^$' -bench BenchmarkStartup -benchtime 200x
fi

echo
go test ./internal/store -run '^$' -bench . -benchmem | grep -E '^Benchmark|^ok'
