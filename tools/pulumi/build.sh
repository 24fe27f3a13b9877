#!/usr/bin/env bash
# Builds the Pulumi CLI (and every other `tool` of go.mod) into tools/pulumi/bin/, as the release
# does (.goreleaser.yml: -trimpath, the osusergo and grpcnotrace tags, -w -s and the version set
# with -X, which `pulumi version` and the Automation API read). Go's module and build caches are
# reused, so a second run only relinks what changed.
set -euo pipefail
cd "$(dirname "$0")"

version="$(go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3)"
out="${PULUMI_BIN_DIR:-$PWD/bin}"
mkdir -p "$out"

# One `go build` of the `tool` pattern (every tool directive of go.mod): the binaries share their
# packages, so Go compiles each once.
go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-w -s -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${version}" \
    -o "$out/" tool

# The Python language host refuses to start without its executor script beside it (the release
# copies it in scripts/prep-for-goreleaser.sh); it ships in the sdk module.
sdk_dir="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$out/"

"$out/pulumi" version
