#!/usr/bin/env bash
# Managed-table benchmarks, each against its baseline in the same run (docs/BENCHMARKS.md):
# INSERT … SELECT of 10M rows vs DuckDB's own COPY … TO parquet; a scan of the managed table vs
# read_parquet on the same files; 1,000 single-row autocommit inserts (SQLite metadata); a
# selective DELETE of 0.1% of 10M rows (bytes written). By hand only: ./bench/lake.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
./scripts/deps.sh
make -s -j"$(nproc)"
out=build/bench
mkdir -p "$out"
cc -O2 -std=c17 -D_GNU_SOURCE -isystem deps/duckdb bench/embedded.c -o "$out/embedded" -Lbuild -lduckdb -Wl,-rpath,"$root/build"
cc -O2 -std=c17 -D_GNU_SOURCE bench/latency.c -o "$out/latency" -lcurl

port=${BENCH_PORT:-15901}
data=$(mktemp -d)
scratch=$(mktemp -d)
./build/lakehouse serve --lakehouse-port "$port" --data "$data" --user bench:bench --log-level warn \
  --maintenance-interval-seconds 0 >/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data" "$scratch"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/query"
q() { curl -sf -u bench:bench -d "$(jq -nc --arg s "$1" '{statement: $s}')" "$url"; }
timed() { curl -s -o /dev/null -w '%{time_total}' -u bench:bench -d "$(jq -nc --arg s "$1" '{statement: $s}')" "$url"; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (b < a ? b : a) }'; }
curl -sf -u bench:bench -d '{"name": "bench"}' "http://127.0.0.1:$port/admin/catalogs" >/dev/null

src="SELECT i AS id, i * 2 AS j, 'row ' || i AS s, i / 3 AS d FROM range(10000000) t(i)"
emb=$(./$out/embedded "COPY ($src) TO '$scratch/x.parquet' (FORMAT parquet)" 3 | cut -d' ' -f1)
best=999999
for n in 1 2 3; do
  q "CREATE TABLE bench.main.load$n (id BIGINT, j BIGINT, s VARCHAR, d DOUBLE)" >/dev/null
  best=$(min "$best" "$(timed "INSERT INTO bench.main.load$n $src")")
done
printf 'INSERT INTO managed SELECT 10M rows: %.3fs; DuckDB COPY TO parquet %.3fs; speed %.2fx of DuckDB (target >= 0.8x)\n' \
  "$best" "$emb" "$(awk -v a="$emb" -v b="$best" 'BEGIN { print a / b }')"

files=$(ls "$data"/buckets/default/1/data-*.parquet | head -1)
# The files name columns c<column id>; the managed scan reads them through the table's view.
m=999999; r=999999
q "SELECT sum(c1), sum(c2), count(c3), avg(c4) FROM read_parquet('$files')" | grep -q '^\[' # fails loudly if unreadable
for _ in 1 2 3 4 5; do
  m=$(min "$m" "$(timed "SELECT sum(id), sum(j), count(s), avg(d) FROM bench.main.load1")")
  r=$(min "$r" "$(timed "SELECT sum(c1), sum(c2), count(c3), avg(c4) FROM read_parquet('$files')")")
done
printf 'scan of 10M rows: managed table %.3fs, read_parquet on the same file %.3fs; speed %.2fx (target >= 0.95x)\n' \
  "$m" "$r" "$(awk -v a="$r" -v b="$m" 'BEGIN { print a / b }')"

q "CREATE TABLE bench.main.single (id INTEGER, v VARCHAR)" >/dev/null
read -r p50 p99 mean failed < <(./$out/latency "$url" bench:bench \
  '{"statement": "INSERT INTO bench.main.single VALUES ({i}, '"'"'v'"'"')", "session_id": "0b6f6d51-3a4a-4e43-9a0e-7f1c2b3d4e5f"}' 1000)
printf '1000 single-row autocommit INSERTs (SQLite metadata): p50 %.2f ms, p99 %.2f ms, mean %.2f ms, %s failed (target p50 <= 5 ms)\n' \
  "$p50" "$p99" "$mean" "$failed"

before=$(du -sb "$data/buckets" | cut -f1)
t=$(timed "DELETE FROM bench.main.load1 WHERE id % 1000 = 0")
after=$(du -sb "$data/buckets" | cut -f1)
table=$(stat -c %s $files)
count=$(q "SELECT count(*) FROM bench.main.load1" | tail -1)
printf 'DELETE of 0.1%% of 10M rows: %.3fs, %d bytes written (the table is %d bytes); %s rows left\n' \
  "$t" "$((after - before))" "$table" "$count"

m=999999
for _ in 1 2 3; do m=$(min "$m" "$(timed "SELECT sum(id), sum(j), count(s), avg(d) FROM bench.main.load1")"); done
printf 'scan of the same table after that DELETE (deleted rows filtered at read): %.3fs\n' "$m"
