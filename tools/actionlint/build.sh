#!/usr/bin/env bash
# Builds actionlint (go.mod's one `tool`) into tools/actionlint/bin/. Go's module and build caches
# are reused, so a second run only checks that nothing changed.
set -euo pipefail
cd "$(dirname "$0")"
out="${ACTIONLINT_BIN_DIR:-$PWD/bin}"
mkdir -p "$out"
go build -trimpath -o "$out/" tool
"$out/actionlint" -version
