#!/usr/bin/env bash
# Installs everything the build and the tests need, idempotently: Debian packages, then libduckdb and
# duckdb.h from npm (pinned versions, sha256-verified, never committed), then the test clients.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

apt_packages=(build-essential pkg-config make curl ca-certificates tzdata
              libmicrohttpd-dev libjansson-dev libcurl4-openssl-dev libpq-dev libsqlite3-dev libssl-dev zlib1g-dev
              libedit-dev)
if [ "${1:-}" = "--tests" ]; then
  # unit tests, fuzzing (clang's libFuzzer), the PostgreSQL server the integration tests start and
  # the PostgreSQL clients they drive (psql and pgbench come with the server)
  apt_packages+=(libcmocka-dev clang libclang-rt-14-dev postgresql
                 python3 python3-psycopg2 python3-psycopg python3-sqlalchemy libpostgresql-jdbc-java default-jdk-headless)
fi
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# name@version  sha256-of-the-npm-tarball  file-in-the-package  destination
duckdb_dir=deps/duckdb
pins=(
  "@duckdb/node-bindings-linux-x64@1.5.6-r.1 1b9f82478539bb9a1d1df44bd103121a12ae52142c07158dc52b97d2ec1d69ff package/libduckdb.so libduckdb.so"
  "duckdb@1.4.4 5bb967dcbcd517670ba5f169f238fb9d6787e53752c60ebe24386169d76941ed package/src/duckdb/src/include/duckdb.h duckdb.h"
)
mkdir -p "$duckdb_dir/cache"
for pin in "${pins[@]}"; do
  read -r spec sum member dest <<<"$pin"
  stamp="$duckdb_dir/$dest.sha256"
  if [ -f "$duckdb_dir/$dest" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then continue; fi
  echo "deps: fetching $spec"
  tgz=$(cd "$duckdb_dir/cache" && npm pack --silent "$spec" 2>/dev/null | tail -n 1)
  got=$(sha256sum "$duckdb_dir/cache/$tgz" | cut -d' ' -f1)
  if [ "$got" != "$sum" ]; then
    echo "deps: checksum mismatch for $spec: expected $sum, got $got" >&2
    rm -f "$duckdb_dir/cache/$tgz"
    exit 1
  fi
  tar -xzf "$duckdb_dir/cache/$tgz" -C "$duckdb_dir/cache" "$member"
  mv "$duckdb_dir/cache/$member" "$duckdb_dir/$dest"
  rm -rf "$duckdb_dir/cache/package" "$duckdb_dir/cache/$tgz"
  echo "$sum" >"$stamp"
done

if [ "${1:-}" = "--tests" ]; then
  # The integration tests' npm clients, pinned by package-lock.json.
  if [ ! -d tests/integration/node_modules ] || [ tests/integration/package-lock.json -nt tests/integration/node_modules ]; then
    (cd tests/integration && npm ci --silent --no-audit --no-fund)
  fi
fi
