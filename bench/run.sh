#!/usr/bin/env bash
# Runs the REST benchmarks against embedded DuckDB in one run and prints the ratios reported in
# docs/BENCHMARKS.md. By hand only (not part of the test suite): ./bench/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
./scripts/deps.sh
make -s -j"$(nproc)"
out=build/bench
mkdir -p "$out"
cc -O2 -std=c17 -D_GNU_SOURCE -isystem deps/duckdb bench/embedded.c -o "$out/embedded" -Lbuild -lduckdb -Wl,-rpath,"$root/build"
cc -O2 -std=c17 -D_GNU_SOURCE bench/http_load.c -o "$out/http_load" -lcurl -pthread

port=${BENCH_PORT:-15900}
data=$(mktemp -d)
./build/lakehouse serve --lakehouse-port "$port" --data "$data" --user bench:bench --log-level warn >/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/query"

best_rest() { # best wall time of 5 runs of POST /query, body streamed to /dev/null
  local body=$1 best=999999 t
  for _ in 1 2 3 4 5; do
    t=$(curl -s -o /dev/null -w '%{time_total}' -u bench:bench -d "$body" "$url")
    best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a ? b : a) }')
  done
  echo "$best"
}

agg="SELECT sum(i), avg(i * 2), count(DISTINCT i % 1000) FROM range(10000000) t(i)"
emb=$(./$out/embedded "$agg" 5 | cut -d' ' -f1)
rest=$(best_rest "{\"statement\": \"$agg\"}")
printf 'aggregate over 10M rows: embedded %.3fs, REST %.3fs, REST/embedded %.3fx (target <= 1.05x)\n' "$emb" "$rest" \
  "$(awk -v a="$rest" -v b="$emb" 'BEGIN { print a / b }')"

wide="SELECT i, i * 2 AS j, 'row ' || i AS s, i / 3 AS d, DATE '2024-01-01' + (i % 1000)::INTEGER AS dt FROM range(10000000) t(i)"
emb=$(./$out/embedded "$wide" 3 | cut -d' ' -f1)
rest=$(best_rest "{\"statement\": \"$wide\"}")
printf '10M rows x 5 columns: embedded fetch %.3fs, REST NDJSON %.3fs = %.2f M rows/s (target >= 2 M rows/s)\n' "$emb" "$rest" \
  "$(awk -v t="$rest" 'BEGIN { print 10 / t }')"

read -r rps done failed < <(./$out/http_load "$url" bench:bench '{"statement": "SELECT 1", "session_id": "{session}"}' 8 10)
printf 'SELECT 1 round trips, 8 keep-alive clients with a session each, 10 s: %.0f per second (%s failed; target >= 10000)\n' "$rps" "$failed"
read -r rps done failed < <(./$out/http_load "$url" bench:bench '{"statement": "SELECT 1"}' 8 10)
printf 'SELECT 1 round trips, 8 keep-alive clients, a new session per request, 10 s: %.0f per second (%s failed)\n' "$rps" "$failed"
read -r rps done failed < <(./$out/http_load "$url" bench:bench '{"statement": "SELECT 1", "session_id": "{session}", "compute_size": "XS"}' 8 10)
printf 'SELECT 1 round trips, 8 keep-alive clients with a session each on the 1-thread XS worker, 10 s: %.0f per second (%s failed)\n' "$rps" "$failed"
