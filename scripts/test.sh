#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: cmocka unit tests and the integration
# suite (the real binary driven by curl, fetch, the CLI and the official SDK) on the normal build
# and again on the AddressSanitizer + UndefinedBehaviorSanitizer build, then short libFuzzer runs.
# The last line is "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

./scripts/deps.sh --tests || { echo "0 passed, 1 failed"; exit 1; }
jobs=$(nproc 2>/dev/null || echo 2)
if ! make -s -j"$jobs" all unit || ! make -s -j"$jobs" SAN=1 all unit || ! make -s -j"$jobs" fuzz; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0
failed=0
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT

run_unit() { # $1 = build dir
  for t in "$1"/tests/test_*; do
    local name out p f
    name="$(basename "$1")/$(basename "$t")"
    out=$("$t" 2>&1)
    local rc=$?
    p=$(grep -oE '\[  PASSED  \] [0-9]+' <<<"$out" | grep -oE '[0-9]+$' || true)
    f=$(grep -oE '\[  FAILED  \] [0-9]+ test' <<<"$out" | grep -oE '[0-9]+' || true)
    p=${p:-0}
    f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # crashed or reported by a sanitizer
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
      echo "FAIL unit $name"
      echo "$out" | tail -40
    else
      echo "ok   unit $name ($p)"
    fi
  done
}

run_integration() { # $1 = build dir
  local out="$log_dir/integration-$1.tap"
  LAKEHOUSE_BIN="$root/$1/lakehouse" UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    node --test --test-reporter=tap tests/integration/ >"$out" 2>&1
  local p f
  p=$(grep -E '^# pass [0-9]+' "$out" | tail -1 | grep -oE '[0-9]+' || echo 0)
  f=$(grep -E '^# fail [0-9]+' "$out" | tail -1 | grep -oE '[0-9]+' || echo 0)
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" -ne 0 ]; then
    echo "FAIL integration ($1): $f failed"
    grep -E -A40 '^\s*not ok' "$out" | head -150
  else
    echo "ok   integration ($1) ($p)"
  fi
}

run_fuzz() {
  for f in build-fuzz/fuzz_*; do
    if "$f" -max_total_time=10 -rss_limit_mb=2048 >"$log_dir/$(basename "$f").log" 2>&1; then
      passed=$((passed + 1))
      echo "ok   fuzz $(basename "$f")"
    else
      failed=$((failed + 1))
      echo "FAIL fuzz $(basename "$f")"
      tail -30 "$log_dir/$(basename "$f").log"
    fi
  done
}

run_unit build
run_unit build-san
run_integration build
run_integration build-san
run_fuzz

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
