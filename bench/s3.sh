#!/usr/bin/env bash
# Buckets and the SSD cache, each against its baseline in the same run (docs/BENCHMARKS.md): the
# same query on a managed table in an S3 bucket (s3rver on loopback) with an empty cache and with a
# warm one, and on the same files read locally with read_parquet; and the cache's download
# throughput against curl fetching the same objects. By hand only: ./bench/s3.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
./scripts/deps.sh --tests
make -s -j"$(nproc)"

port=${BENCH_PORT:-15911}
s3port=${BENCH_S3_PORT:-15912}
data=$(mktemp -d)
s3dir=$(mktemp -d)
NODE_OPTIONS=--openssl-legacy-provider node tests/integration/node_modules/s3rver/bin/s3rver.js \
  -d "$s3dir" -a 127.0.0.1 -p "$s3port" --configure-bucket lake -s >/dev/null 2>&1 &
s3pid=$!
pid=
start() {
  ./build/lakehouse serve --lakehouse-port "$port" --data "$data" --user bench:bench --log-level warn \
    --maintenance-interval-seconds 0 >/dev/null &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && return; sleep 0.1; done
  echo "server did not start" >&2
  exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; }
trap 'kill $pid $s3pid 2>/dev/null; wait 2>/dev/null; rm -rf "$data" "$s3dir"' EXIT
for _ in $(seq 100); do curl -s "http://127.0.0.1:$s3port/" >/dev/null && break; sleep 0.1; done
start
url="http://127.0.0.1:$port/query"
q() { curl -sf -u bench:bench -d "$(jq -nc --arg s "$1" '{statement: $s}')" "$url"; }
timed() { curl -s -o /dev/null -w '%{time_total}' -u bench:bench -d "$(jq -nc --arg s "$1" '{statement: $s}')" "$url"; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (b < a ? b : a) }'; }
curl -sf -u bench:bench "http://127.0.0.1:$port/admin/buckets" -d "{\"name\": \"lake\", \"provider\": \"s3\",
  \"endpoint\": \"http://127.0.0.1:$s3port\", \"bucket\": \"lake\", \"access_key_id\": \"S3RVER\",
  \"secret_access_key\": \"S3RVER\"}" >/dev/null
curl -sf -u bench:bench -d '{"name": "bench", "bucket": "lake"}' "http://127.0.0.1:$port/admin/catalogs" >/dev/null

# Four data files of 2.5M rows each (the statement's rows become one file each).
q "CREATE TABLE bench.main.t (id BIGINT, j BIGINT, s VARCHAR, d DOUBLE)" >/dev/null
for k in 0 1 2 3; do
  q "INSERT INTO bench.main.t SELECT i, i * 2, 'row ' || i, i / 3 FROM range($((k * 2500000)), $(((k + 1) * 2500000))) t(i)" >/dev/null
done
query="SELECT sum(id), sum(j), count(s), avg(d) FROM bench.main.t"

keys=$(curl -s "http://127.0.0.1:$s3port/lake?list-type=2&prefix=1/data-" | grep -o '<Key>[^<]*</Key>' | sed 's/<[^>]*>//g')
# Cold: a new server with an empty cache each time. Binding the table (DESCRIBE) downloads its
# files; curl fetches the same objects, one after another and four at a time, in the same rounds.
fetch=999999; cold=999999; curl_seq=999999; curl_par=999999
dl=$(mktemp -d -p "$data")
for _ in 1 2 3; do
  # curl writes the objects to files on the same disk, as the cache does
  t0=$(date +%s.%N)
  for k in $keys; do curl -s -o "$dl/$(basename "$k")" "http://127.0.0.1:$s3port/lake/$k"; done
  t1=$(date +%s.%N)
  rm -f "$dl"/*
  curls=()
  for k in $keys; do curl -s -o "$dl/$(basename "$k")" "http://127.0.0.1:$s3port/lake/$k" & curls+=($!); done
  wait "${curls[@]}"
  t2=$(date +%s.%N)
  rm -f "$dl"/*
  curl_seq=$(min "$curl_seq" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
  curl_par=$(min "$curl_par" "$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')")
  stop; rm -rf "$data/cache"; start
  # binding cold minus binding warm: the download alone
  c=$(timed "DESCRIBE bench.main.t")
  w=$(timed "DESCRIBE bench.main.t")
  fetch=$(min "$fetch" "$(awk -v c="$c" -v w="$w" 'BEGIN { print c - w }')")
  bytes=$(curl -sf -u bench:bench "http://127.0.0.1:$port/admin/cache" | jq .bytes_fetched)
  stop; rm -rf "$data/cache"; start
  cold=$(min "$cold" "$(timed "$query")")
done
warm=999999
for _ in 1 2 3 4 5; do warm=$(min "$warm" "$(timed "$query")"); done
# The same files, read in place by read_parquet (physical columns c1..c4).
files=$(find "$data/cache/objects" -name 'data-*.parquet' | sort | jq -R . | jq -sc .)
files_sql=$(echo "$files" | tr '"' "'")
localq="SELECT sum(c1), sum(c2), count(c3), avg(c4) FROM read_parquet($files_sql)"
q "$localq" | grep -q '^\[' # fails loudly when unreadable
local=999999
for _ in 1 2 3 4 5; do local=$(min "$local" "$(timed "$localq")"); done
printf 'scan of 10M rows in an S3 bucket (4 files, %d MB): cold %.3fs, warm %.3fs; read_parquet on the same local files %.3fs; warm/local %.2fx (target <= 1.1x), cold/warm %.1fx\n' \
  "$((bytes / 1000000))" "$cold" "$warm" "$local" "$(awk -v a="$warm" -v b="$local" 'BEGIN { print a / b }')" \
  "$(awk -v a="$cold" -v b="$warm" 'BEGIN { print a / b }')"

printf 'download of %d MB in 4 objects into files: the cache (binding the table cold minus warm; 4 at a time, verified, fsynced) %.0f MB/s; curl %.0f MB/s one after another, %.0f MB/s 4 at a time; %.2fx of the faster curl (target >= 0.9x)\n' \
  "$((bytes / 1000000))" "$(awk -v b="$bytes" -v t="$fetch" 'BEGIN { print b / t / 1e6 }')" \
  "$(awk -v b="$bytes" -v t="$curl_seq" 'BEGIN { print b / t / 1e6 }')" \
  "$(awk -v b="$bytes" -v t="$curl_par" 'BEGIN { print b / t / 1e6 }')" \
  "$(awk -v f="$fetch" -v s="$curl_seq" -v p="$curl_par" 'BEGIN { c = s < p ? s : p; print c / f }')"
