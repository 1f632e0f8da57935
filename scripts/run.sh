#!/usr/bin/env bash
# Installs what is missing, builds, and starts the server with embedded defaults (data in ./data,
# REST API on 127.0.0.1:15000). Extra arguments go to `lakehouse serve` (see --help).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
./scripts/deps.sh
make -s -j"$(nproc 2>/dev/null || echo 2)"
exec ./build/lakehouse serve "$@"
