#!/usr/bin/env bash
# Runs the whole test suite: unit tests, then end-to-end tests that start real member processes from
# the built distribution and drive them with the real etcdctl 3.4 (installed here if missing).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! command -v etcdctl >/dev/null 2>&1; then
  echo "etcdctl not found: installing Debian's etcd-client" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-client >/dev/null
fi
cd "$root"
exec mvn -B verify "$@"
