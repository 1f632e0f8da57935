#!/usr/bin/env bash
# Concurrent writers on managed tables (docs/BENCHMARKS.md): 20 clients each running autocommit
# UPDATEs of its own row of one table, against one client doing the same in the same run; and 8
# clients over two servers that share a PostgreSQL metadata store and an S3 bucket (s3rver), each
# appending single rows to one table, against 8 clients on one server. Statements per second and
# failed statements (target: 0). By hand only: ./bench/conflicts.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
./scripts/deps.sh --tests
make -s -j"$(nproc)"
out=build/bench
mkdir -p "$out"
cc -O2 -std=c17 -D_GNU_SOURCE bench/http_load.c -o "$out/http_load" -lcurl -pthread

secs=${BENCH_SECONDS:-15}
port_a=${BENCH_PORT:-15921}
port_b=$((port_a + 1))
s3port=$((port_a + 2))
pgport=$((port_a + 3))
work=$(mktemp -d)
chmod 755 "$work"
pids=()
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -d "$work/pg" ] && as_pg "$pgbin/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/pgsock" && chmod 777 "$work/pgsock"
[ "$(id -u)" = 0 ] && install -d -o postgres "$work/pg"
as_pg "$pgbin/initdb" -D "$work/pg" -A trust -U bench --no-sync >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w -o "-p $pgport -k $work/pgsock -c listen_addresses=127.0.0.1" \
  start >/dev/null
mkdir "$work/s3"
NODE_OPTIONS=--openssl-legacy-provider node tests/integration/node_modules/s3rver/bin/s3rver.js \
  -d "$work/s3" -a 127.0.0.1 -p "$s3port" --configure-bucket lake -s >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -s "http://127.0.0.1:$s3port/" >/dev/null && break; sleep 0.1; done

serve() { # port data-dir [args…]
  local port=$1 dir=$2
  shift 2
  LAKEHOUSE_SECRET_KEY=$(printf 'ab%.0s' $(seq 32)) ./build/lakehouse serve --lakehouse-port "$port" \
    --pg-port 0 --data "$dir" --user bench:bench --log-level warn --maintenance-interval-seconds 0 "$@" >/dev/null &
  pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && return; sleep 0.1; done
  echo "server on $port did not start" >&2
  exit 1
}
q() { curl -sf -u bench:bench -d "$(jq -nc --arg s "$2" '{statement: $s}')" "http://127.0.0.1:$1/query"; }
load() { # port threads body → "rate done failed"
  "./$out/http_load" "http://127.0.0.1:$1/query" bench:bench "$3" "$2" "$secs" || true
}

# 1. One server, the embedded SQLite metadata store and the built-in bucket.
serve "$port_a" "$work/a"
curl -sf -u bench:bench -d '{"name": "w"}' "http://127.0.0.1:$port_a/admin/catalogs" >/dev/null
q "$port_a" "CREATE TABLE w.main.t (id INTEGER, v BIGINT); INSERT INTO w.main.t SELECT i, 0 FROM range(20) t(i)" >/dev/null
update='{"statement": "UPDATE w.main.t SET v = v + 1 WHERE id = {client}"}'
read -r one_rate one_done one_failed < <(load "$port_a" 1 "$update")
read -r rate done failed < <(load "$port_a" 20 "$update")
sum=$(q "$port_a" "SELECT sum(v) FROM w.main.t" | tail -1 | tr -d '[]')
printf 'UPDATE of its own row, 20 clients: %.1f statements/s, %s failed; 1 client: %.1f/s, %s failed; %.2fx; rows hold %s of %s updates\n' \
  "$rate" "$failed" "$one_rate" "$one_failed" "$(awk -v a="$rate" -v b="$one_rate" 'BEGIN { print a / b }')" \
  "$sum" "$((done + one_done))"

# 2. Two servers on one PostgreSQL store and one S3 bucket, against 8 clients on one of them.
store="postgres://bench@127.0.0.1:$pgport/postgres"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
unset 'pids[-1]'
serve "$port_a" "$work/a2" --metadata "$store"
serve "$port_b" "$work/b2" --metadata "$store"
curl -sf -u bench:bench "http://127.0.0.1:$port_a/admin/buckets" -d "{\"name\": \"lake\", \"provider\": \"s3\",
  \"endpoint\": \"http://127.0.0.1:$s3port\", \"bucket\": \"lake\", \"access_key_id\": \"S3RVER\",
  \"secret_access_key\": \"S3RVER\"}" >/dev/null
curl -sf -u bench:bench -d '{"name": "s", "bucket": "lake"}' "http://127.0.0.1:$port_a/admin/catalogs" >/dev/null
q "$port_a" "CREATE TABLE s.main.ev (client INTEGER, ts TIMESTAMPTZ)" >/dev/null
for _ in $(seq 50); do q "$port_b" "SELECT count(*) FROM s.main.ev" | grep -q '^\[0\]' && break; sleep 0.2; done
append='{"statement": "INSERT INTO s.main.ev VALUES ({client}, now())"}'
read -r single_rate single_done single_failed < <(load "$port_a" 8 "$append")
tmp_b=$(mktemp -p "$work")
load "$port_b" 4 "$append" >"$tmp_b" &
loader=$!
read -r rate_a done_a failed_a < <(load "$port_a" 4 "$append")
wait "$loader"
read -r rate_b done_b failed_b <"$tmp_b"
rows=$(q "$port_a" "SELECT count(*) FROM s.main.ev" | tail -1 | tr -d '[]')
printf 'single-row INSERTs, 8 clients over two servers (PostgreSQL store, S3 bucket): %.1f statements/s, %s failed;'\
' 8 clients on one server: %.1f/s, %s failed; %.2fx; %s rows for %s acknowledged inserts\n' \
  "$(awk -v a="$rate_a" -v b="$rate_b" 'BEGIN { print a + b }')" "$((failed_a + failed_b))" "$single_rate" \
  "$single_failed" "$(awk -v a="$rate_a" -v b="$rate_b" -v c="$single_rate" 'BEGIN { print (a + b) / c }')" \
  "$rows" "$((done_a + done_b + single_done))"
