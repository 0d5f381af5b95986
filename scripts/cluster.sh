#!/usr/bin/env bash
# Start, stop or inspect a local 3-member Etch cluster on loopback.
#
#   scripts/cluster.sh start   # members n1 n2 n3: clients on 2379/22379/32379, peers on 2380/22380/32380
#   scripts/cluster.sh status  # etcdctl endpoint status --cluster -w table (needs etcdctl)
#   scripts/cluster.sh stop    # SIGTERM every member and wait
#
# Data and logs live under $ETCH_CLUSTER_DIR (default: .cluster/ in the repository); the distribution is
# taken from $ETCH_DIST (default: server/target/etch, built by `mvn -DskipTests package`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="${ETCH_DIST:-$root/server/target/etch}"
dir="${ETCH_CLUSTER_DIR:-$root/.cluster}"
token="${ETCH_CLUSTER_TOKEN:-etch-local-cluster}"
names=(n1 n2 n3)
client_ports=(2379 22379 32379)
peer_ports=(2380 22380 32380)

initial_cluster() {
  local out="" i
  for i in 0 1 2; do out+="${out:+,}${names[$i]}=http://127.0.0.1:${peer_ports[$i]}"; done
  echo "$out"
}

endpoints() {
  local out="" i
  for i in 0 1 2; do out+="${out:+,}http://127.0.0.1:${client_ports[$i]}"; done
  echo "$out"
}

start() {
  [ -x "$dist/bin/etch" ] || { echo "no distribution at $dist: run 'mvn -DskipTests package' first" >&2; exit 1; }
  mkdir -p "$dir"
  local i cluster; cluster="$(initial_cluster)"
  for i in 0 1 2; do
    local n="${names[$i]}" pidfile="$dir/${names[$i]}.pid"
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "$n already running (pid $(cat "$pidfile"))"; continue
    fi
    nohup "$dist/bin/etch" --name "$n" --data-dir "$dir/$n.etcd" \
      --listen-client-urls "http://127.0.0.1:${client_ports[$i]}" \
      --advertise-client-urls "http://127.0.0.1:${client_ports[$i]}" \
      --listen-peer-urls "http://127.0.0.1:${peer_ports[$i]}" \
      --initial-advertise-peer-urls "http://127.0.0.1:${peer_ports[$i]}" \
      --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "$token" \
      >"$dir/$n.log" 2>&1 &
    echo $! >"$pidfile"
    echo "started $n (pid $!), client http://127.0.0.1:${client_ports[$i]}, log $dir/$n.log"
  done
  local deadline=$((SECONDS + 60)) healthy
  while :; do
    healthy=0
    for i in 0 1 2; do
      curl -fs "http://127.0.0.1:${client_ports[$i]}/health" >/dev/null 2>&1 && healthy=$((healthy + 1))
    done
    [ "$healthy" -eq 3 ] && break
    if [ $SECONDS -ge $deadline ]; then echo "cluster not healthy after 60 s; see $dir/*.log" >&2; exit 1; fi
    sleep 0.5
  done
  echo "cluster healthy; try: ETCDCTL_API=3 etcdctl --endpoints=$(endpoints) endpoint status -w table"
}

stop() {
  local i pids=()
  for i in 0 1 2; do
    local pidfile="$dir/${names[$i]}.pid"
    if [ -f "$pidfile" ]; then
      local pid; pid="$(cat "$pidfile")"
      if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" && pids+=("$pid"); fi
      rm -f "$pidfile"
    fi
  done
  for pid in "${pids[@]}"; do
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null; do
      if [ $SECONDS -ge $deadline ]; then kill -KILL "$pid" 2>/dev/null || true; break; fi
      sleep 0.2
    done
  done
  echo "stopped ${#pids[@]} member(s)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) ETCDCTL_API=3 etcdctl --endpoints="$(endpoints)" endpoint status -w table ;;
  endpoints) endpoints ;;
  *) echo "usage: $0 start|stop|status|endpoints" >&2; exit 2 ;;
esac
