#!/usr/bin/env bash
# PostgreSQL wire protocol benchmarks, each against its baselines in the same run
# (docs/BENCHMARKS.md): SELECT 1 transactions per second from 8 pgbench clients against this
# server and against PostgreSQL 15 (Debian's, started here); an aggregate over 10M rows through
# the wire vs embedded DuckDB; fetching 10M rows with COPY TO STDOUT and a plain SELECT, in text
# and binary, against PostgreSQL too. By hand only: ./bench/pg.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
./scripts/deps.sh --tests
make -s -j"$(nproc)"
out=build/bench
mkdir -p "$out"
cc -O2 -std=c17 -D_GNU_SOURCE -isystem deps/duckdb bench/embedded.c -o "$out/embedded" -Lbuild -lduckdb -Wl,-rpath,"$root/build"
cc -O2 -std=c17 -D_GNU_SOURCE bench/pgfetch.c -o "$out/pgfetch" -I"$(pg_config --includedir)" -lpq

port=${BENCH_PORT:-15921}
pgport=${BENCH_PG_PORT:-15922}
ppport=${BENCH_POSTGRES_PORT:-15923}
data=$(mktemp -d)
pgdir=$(mktemp -d)
chmod 777 "$pgdir"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$pgbin/initdb" -D "$pgdir/data" -A trust -U bench --no-sync >/dev/null
as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w -o "-p $ppport -k $pgdir -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c max_connections=50" start >/dev/null
./build/lakehouse serve --lakehouse-port "$port" --pg-port "$pgport" --data "$data" --user bench:bench --log-level warn \
  --maintenance-interval-seconds 0 >/dev/null &
pid=$!
cleanup() {
  kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
  as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$data" "$pgdir"
}
trap cleanup EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
export PGPASSWORD=bench
ours="host=127.0.0.1 port=$pgport user=bench dbname=memory sslmode=disable"
theirs="host=127.0.0.1 port=$ppport user=bench dbname=postgres sslmode=disable"

# SELECT 1 from 8 clients, prepared statements, 10 seconds each, both without TLS (pgbench would
# otherwise negotiate it with our server and not with PostgreSQL, which has no certificate here)
echo 'SELECT 1;' >"$data/select1.sql"
tps() { PGSSLMODE=disable pgbench -h 127.0.0.1 -p "$1" -U bench -n -f "$data/select1.sql" -c 8 -j 2 -T 10 -M prepared "$2" 2>/dev/null \
  | sed -n 's/^tps = \([0-9.]*\).*/\1/p'; }
t_ours=$(tps "$pgport" memory)
t_pg=$(tps "$ppport" postgres)
printf 'SELECT 1, 8 pgbench clients: lakehouse %.0f tps, PostgreSQL %.0f tps; %.2fx (target >= 1x)\n' \
  "$t_ours" "$t_pg" "$(awk -v a="$t_ours" -v b="$t_pg" 'BEGIN { print a / b }')"

# an aggregate over 10M rows
agg="SELECT sum(i), avg(i * 2), count(DISTINCT i % 1000) FROM range(10000000) t(i)"
emb=$(./$out/embedded "$agg" 5 | cut -d' ' -f1)
wire=$(./$out/pgfetch "$ours" query text "$agg" 5 | cut -d' ' -f1)
printf 'aggregate over 10M rows: embedded %.3fs, PostgreSQL wire %.3fs; %.3fx (target <= 1.05x)\n' "$emb" "$wire" \
  "$(awk -v a="$wire" -v b="$emb" 'BEGIN { print a / b }')"

# 10M rows x 5 columns, the same data in both servers
rows="SELECT i, i * 2 AS j, 'row ' || i AS s, i / 3 AS d, DATE '2024-01-01' + (i % 1000)::INTEGER AS dt FROM range(10000000) t(i)"
psql "$ours" -Xq -c "CREATE TABLE wide AS $rows"
psql "$theirs" -Xq -c "CREATE TABLE wide AS SELECT i::BIGINT AS i, i::BIGINT * 2 AS j, 'row ' || i AS s, i / 3.0::DOUBLE PRECISION AS d, DATE '2024-01-01' + (i % 1000) AS dt FROM generate_series(0, 9999999) i"
for kind in copy query; do
  for fmt in text binary; do
    if [ "$kind" = copy ]; then
      opt=""; [ "$fmt" = binary ] && opt=" (FORMAT binary)"
      sql="COPY wide TO STDOUT$opt"
    else
      sql="SELECT * FROM wide"
    fi
    read -r t n < <(./$out/pgfetch "$ours" "$kind" "$fmt" "$sql" 3)
    read -r tp np < <(./$out/pgfetch "$theirs" "$kind" "$fmt" "$sql" 3)
    printf '%s %s of %d rows: lakehouse %.3fs = %.2f M rows/s; PostgreSQL %.3fs = %.2f M rows/s (target >= 3 M rows/s)\n' \
      "$kind" "$fmt" "$n" "$t" "$(awk -v n="$n" -v t="$t" 'BEGIN { print n / t / 1e6 }')" \
      "$tp" "$(awk -v n="$np" -v t="$tp" 'BEGIN { print n / t / 1e6 }')"
  done
done
