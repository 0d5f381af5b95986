#!/usr/bin/env bash
# Builds etcd 3.4's own benchmark tool (etcd-io/etcd tools/benchmark, vendored in scripts/etcd-benchmark/,
# see its README.md) with Debian's Go and Debian's packaged Go sources (GOPATH mode, no module proxy).
# Used to check that `etchctl benchmark` gives the same numbers as etcd's tool (docs/benchmarks.md,
# "etchctl benchmark vs etcd's own tool"). Manual use only: not run by CI or the test suite.
#
#   sudo scripts/build-etcd-benchmark.sh [OUTPUT]     # default OUTPUT: /tmp/etcd-benchmark
#
# Needs root for apt-get (skipped when the packages are already installed). Downloads nothing but
# Debian packages. Tested on Debian 12 (Go 1.19, golang-etcd-server-dev 3.4.23).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-/tmp/etcd-benchmark}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

pkgs=(golang-go golang-etcd-server-dev golang-github-spf13-cobra-dev golang-gopkg-cheggaaa-pb.v1-dev
      golang-golang-x-time-dev golang-google-grpc-dev golang-github-bgentry-speakeasy-dev
      golang-github-dustin-go-humanize-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

gopath="$(mktemp -d /tmp/etcd-benchmark-gopath.XXXXXX)"
trap 'rm -rf "$gopath"' EXIT
dst="$gopath/src/go.etcd.io/etcd/tools/benchmark"
mkdir -p "$dst"
cp -r "$root/scripts/etcd-benchmark/main.go" "$root/scripts/etcd-benchmark/cmd" "$dst/"

# GOPATH mode: the tool's own package first, then Debian's /usr/share/gocode (go.etcd.io/etcd 3.4.23 and
# its dependencies). GOFLAGS=-mod=mod would reach for the network; GOPATH mode never does.
cd "$dst"
GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOCACHE="$gopath/cache" GOPROXY=off \
  go build -o "$out" .
echo "built $out" >&2
"$out" --help | head -3 >&2
