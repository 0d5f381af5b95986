#!/usr/bin/env bash
# Side-by-side benchmark: a 3-member real etcd 3.4 and a 3-member Etch on loopback, same settings, same
# client (etchctl benchmark), workloads alternated A/B over several rounds after an uncounted warm-up
# round and 300k puts (both systems in their steady state); prints a table of medians and the Etch/etcd
# ratio. See docs/benchmarks.md.
#
#   scripts/bench-vs-etcd.sh            # full run (~45 min on 2 cores; --no-check --rounds 2: ~30 min)
#   scripts/bench-vs-etcd.sh --quick    # everything small, a few minutes
#
# Options: --quick  --rounds N  --no-check (skip etcdctl check perf/datascale)  --no-restart (skip the
# restart-with-keys test)  --jfr (record a JFR profile of every Etch member into the work dir)
# --keep (keep data dirs and logs)  --only-workloads a,b (subset of: put-1 put-1000 range-l-1
# range-l-1000 range-s-1 range-s-1000 txn-put watch lease-keepalive).
#
# Environment: ETCD_BIN, ETCDCTL_BIN (default: from PATH), ETCH_DIST (default server/target/etch),
# ETCHCTL (default cli/target/etchctl/bin/etchctl), ETCH_HEAP (Etch member heap; unset: the launcher's default, 256m),
# BENCH_PORT_BASE (default 24000, below the ephemeral port range: etcd clients base..base+2, peers +10; Etch clients +20, peers +30),
# BENCH_DIR (work dir; default a new /tmp/etch-bench.XXXXXX), BENCH_RESTART_KEYS (keys stored before the
# restart test; default 1000000, quick 50000), BENCH_CHECK_LOAD (etcdctl check --load; default m, quick s).
#
# Every process this script starts is stopped on exit, including on failure or Ctrl-C.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
quick=0 rounds="" do_check=1 do_restart=1 jfr=0 keep=0 only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --rounds) rounds="$2"; shift ;;
    --no-check) do_check=0 ;;
    --no-restart) do_restart=0 ;;
    --jfr) jfr=1 ;;
    --keep) keep=1 ;;
    --only-workloads) only="$2"; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

etcd_bin="${ETCD_BIN:-$(command -v etcd || true)}"
etcdctl_bin="${ETCDCTL_BIN:-$(command -v etcdctl || true)}"
etch_bin="${ETCH_DIST:-$root/server/target/etch}/bin/etch"
etchctl="${ETCHCTL:-$root/cli/target/etchctl/bin/etchctl}"
for f in "$etcd_bin" "$etcdctl_bin" "$etch_bin" "$etchctl"; do
  [ -n "$f" ] && [ -x "$f" ] || {
    echo "missing executable '$f': install etcd-server/etcd-client (Debian) and build with 'mvn -DskipTests package'" >&2
    exit 1
  }
done
command -v python3 >/dev/null || { echo "python3 is needed for the table" >&2; exit 1; }
export ETCDCTL_API=3

base="${BENCH_PORT_BASE:-24000}"
work="${BENCH_DIR:-$(mktemp -d /tmp/etch-bench.XXXXXX)}"
mkdir -p "$work/results"
results="$work/results/results.tsv"
: >"$results"

# ---------------------------------------------------------------- sizes
if [ "$quick" -eq 1 ]; then
  rounds="${rounds:-2}"
  n_one=1000 n_many=10000 n_range_one=1000 n_range_many=10000 n_txn=10000 n_lease=5000
  watch_streams=100 watch_per_stream=100 watch_puts=200 watch_rate=200
  restart_keys=${BENCH_RESTART_KEYS:-50000} check_load=${BENCH_CHECK_LOAD:-s} warm=20000
else
  rounds="${rounds:-3}"
  n_one=10000 n_many=100000 n_range_one=10000 n_range_many=100000 n_txn=100000 n_lease=100000
  watch_streams=100 watch_per_stream=100 watch_puts=1000 watch_rate=200
  restart_keys=${BENCH_RESTART_KEYS:-1000000} check_load=${BENCH_CHECK_LOAD:-m} warm=300000
fi

# ---------------------------------------------------------------- processes
declare -A pids=()   # "<system>-<i>" -> pid
samplers=()

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

stop_pid() {
  local pid="$1" deadline
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 20))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then kill -KILL "$pid" 2>/dev/null || true; break; fi
    sleep 0.1
  done
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? k
  trap - EXIT INT TERM
  for k in "${samplers[@]}"; do stop_pid "$k"; done
  for k in "${!pids[@]}"; do stop_pid "${pids[$k]}"; done
  if [ "$keep" -eq 0 ] && [ -z "${BENCH_DIR:-}" ]; then
    rm -rf "$work"/etcd-*.data "$work"/etch-*.data
  fi
  log "stopped every process started here; results and logs in $work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

client_port() { if [ "$1" = etcd ]; then echo $((base + $2)); else echo $((base + 20 + $2)); fi; }
peer_port() { if [ "$1" = etcd ]; then echo $((base + 10 + $2)); else echo $((base + 30 + $2)); fi; }
endpoints() {
  local out="" i
  for i in 0 1 2; do out+="${out:+,}127.0.0.1:$(client_port "$1" $i)"; done
  echo "$out"
}
# The client endpoints with the followers first and the leader last, so that a 1-client workload (which
# uses the first endpoint) goes through a follower on both systems, whichever member leads.
ordered_endpoints() {
  "$etcdctl_bin" --endpoints "$(endpoints "$1")" endpoint status -w json 2>/dev/null | python3 -c '
import json, sys
st = json.load(sys.stdin)
print(",".join(e["Endpoint"] for e in sorted(st, key=lambda e: e["Status"]["header"]["member_id"] == e["Status"]["leader"])))
' 2>/dev/null || endpoints "$1"
}
initial_cluster() {
  local out="" i
  for i in 0 1 2; do out+="${out:+,}$1-$i=http://127.0.0.1:$(peer_port "$1" $i)"; done
  echo "$out"
}

check_ports_free() {
  local sys i p
  for sys in etcd etch; do
    for i in 0 1 2; do
      for p in "$(client_port $sys $i)" "$(peer_port $sys $i)"; do
        if ss -ltn "sport = :$p" | grep -q LISTEN; then
          echo "port $p is in use; set BENCH_PORT_BASE to a free range" >&2; exit 1
        fi
      done
    done
  done
}

# Matched settings: fsync on (both always fsync their logs), --snapshot-count 100000 (etcd's default),
# no auto-compaction (etcd's default; Etch has none), 100 ms heartbeat, 1 s election timeout, 8 GiB quota.
start_member() {
  local sys="$1" i="$2" bin env_opts=()
  local flags=(--name "$sys-$i" --data-dir "$work/$sys-$i.data"
    --listen-client-urls "http://127.0.0.1:$(client_port "$sys" "$i")"
    --advertise-client-urls "http://127.0.0.1:$(client_port "$sys" "$i")"
    --listen-peer-urls "http://127.0.0.1:$(peer_port "$sys" "$i")"
    --initial-advertise-peer-urls "http://127.0.0.1:$(peer_port "$sys" "$i")"
    --initial-cluster "$(initial_cluster "$sys")" --initial-cluster-state new
    --initial-cluster-token "bench-$sys" --snapshot-count 100000
    --heartbeat-interval 100 --election-timeout 1000 --quota-backend-bytes 8589934592)
  if [ "$sys" = etcd ]; then
    "$etcd_bin" "${flags[@]}" >>"$work/$sys-$i.log" 2>&1 &
  else
    local jopts="${JAVA_OPTS:-}" sr="${_JAVA_SR_SIGNUM:-}"
    if [ "$jfr" -eq 1 ]; then
      jopts+=" -XX:StartFlightRecording=filename=$work/etch-$i-$(date +%s).jfr,settings=profile,dumponexit=true"
      # jraft's NodeImpl installs a SIGUSR2 handler (node_describe/node_metrics dumps), and SIGUSR2 is
      # also HotSpot's suspend/resume signal, which JFR's sampler sends: move HotSpot's to a free signal.
      sr=39
    fi
    # Members run in the work dir: jraft writes node_*.log files into the current directory.
    (cd "$work" && JAVA_OPTS="$jopts" _JAVA_SR_SIGNUM="$sr" exec "$etch_bin" "${flags[@]}" >>"$work/$sys-$i.log" 2>&1) &
  fi
  pids["$sys-$i"]=$!
}

# Seconds from now until every member answers /health with 200 (prints the time; fails after $2 s).
wait_healthy() {
  local sys="$1" timeout_us=$(($2 * 1000000)) t0 i ok now
  t0=${EPOCHREALTIME/./}
  while :; do
    ok=0
    for i in 0 1 2; do
      curl -fs -m 2 "http://127.0.0.1:$(client_port "$sys" "$i")/health" >/dev/null 2>&1 && ok=$((ok + 1))
    done
    now=${EPOCHREALTIME/./}
    [ $ok -eq 3 ] && break
    for i in 0 1 2; do
      if ! kill -0 "${pids[$sys-$i]}" 2>/dev/null; then
        echo "$sys-$i exited; see $work/$sys-$i.log:" >&2; tail -3 "$work/$sys-$i.log" >&2; return 1
      fi
    done
    if [ $((now - t0)) -gt "$timeout_us" ]; then
      echo "$sys cluster not healthy after ${2}s; see $work/$sys-*.log" >&2; return 1
    fi
    sleep 0.05
  done
  awk -v us=$((now - t0)) 'BEGIN { printf "%.2f\n", us / 1e6 }'
}

start_cluster() {
  local i
  for i in 0 1 2; do start_member "$1" "$i"; done
  wait_healthy "$1" 120 >/dev/null
}

stop_cluster() {
  local i
  for i in 0 1 2; do
    [ -n "${pids[$1-$i]:-}" ] && stop_pid "${pids[$1-$i]}"
    unset "pids[$1-$i]"
  done
}

rss_kb() { awk -v f="$2" '$1 == f":" {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# Runs the command after $1 while sampling the VmRSS of the members of $1 every 0.2 s; the peak (kB)
# is left in $work/results/rss-peak.<system>.
with_rss_peak() {
  local sys="$1"; shift
  local peakfile="$work/results/rss-peak.$sys"
  echo 0 >"$peakfile"
  (
    peak=0
    while :; do
      for i in 0 1 2; do
        r=$(rss_kb "${pids[$sys-$i]}" VmRSS); r=${r:-0}
        if [ "$r" -gt "$peak" ]; then peak=$r; echo "$peak" >"$peakfile.tmp" && mv -f "$peakfile.tmp" "$peakfile"; fi
      done
      sleep 0.2
    done
  ) &
  local sampler=$!
  samplers+=("$sampler")
  "$@" || true
  stop_pid "$sampler"
}

# ---------------------------------------------------------------- workloads
# name | global flags | workload args | report name (the JSON line used for the table)
workloads=(
  "put-1|--clients 1 --conns 1|put --key-size 8 --val-size 256 --key-space-size 100000 --total $n_one|put"
  "put-1000|--clients 1000 --conns 100|put --key-size 8 --val-size 256 --key-space-size 100000 --total $n_many|put"
  "range-l-1|--clients 1 --conns 1|range foo --consistency l --total $n_range_one|range-l"
  "range-l-1000|--clients 1000 --conns 100|range foo --consistency l --total $n_range_many|range-l"
  "range-s-1|--clients 1 --conns 1|range foo --consistency s --total $n_range_one|range-s"
  "range-s-1000|--clients 1000 --conns 100|range foo --consistency s --total $n_range_many|range-s"
  "txn-put|--clients 1000 --conns 100|txn-put --key-size 8 --val-size 256 --key-space-size 100000 --total $n_txn|txn-put"
  "watch|--clients 10 --conns 10|watch --streams $watch_streams --watch-per-stream $watch_per_stream --key-space-size 100 --sequential-keys --put-total $watch_puts --put-rate $watch_rate --val-size 256|watch-event"
  "lease-keepalive|--clients 100 --conns 10|lease-keepalive --total $n_lease|lease-keepalive"
)

selected() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }

# run_workload <system> <round> <entry>: one run, its row appended to $run_results
run_results="$results"
run_workload() {
  local sys="$1" round="$2" name global args report out line
  IFS='|' read -r name global args report <<<"$3"
  out="$work/results/$name.$sys.$round"
  # shellcheck disable=SC2086
  if "$etchctl" benchmark --endpoints "$(ordered_endpoints "$sys")" --progress never -w json $global $args \
      >"$out.json" 2>"$out.err"; then :; fi
  line=$(grep "\"name\":\"$report\"" "$out.json" | tail -1 || true)
  if [ -z "$line" ]; then
    printf '%s\t%s\t%s\tERR\tERR\tERR\tERR\t%s\n' "$name" "$sys" "$round" \
      "$(tail -c 300 "$out.err" | tr '\t\n' '  ')" >>"$run_results"
    log "$name on $sys: failed ($(tail -1 "$out.err" 2>/dev/null))"
    return 0
  fi
  python3 - "$name" "$sys" "$round" "$line" >>"$run_results" <<'EOF'
import json, sys
name, system, rnd, line = sys.argv[1:5]
r = json.loads(line)
print("\t".join([name, system, rnd, "%.1f" % r["requests_per_second"], "%.3f" % r["average_ms"],
                 "%.3f" % r["p99_ms"], str(r["errors"]), ""]))
EOF
  log "$name on $sys (round $round): $(tail -1 "$run_results" | cut -f4-7 | tr '\t' ' ') [qps avg_ms p99_ms errors]"
}

metric() { printf 'M\t%s\t%s\t%s\n' "$1" "$2" "$3" >>"$results"; }

# ---------------------------------------------------------------- run
check_ports_free
{
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
  echo "cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "etcd: $("$etcd_bin" --version | head -1), Etch: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'), java: $(java -version 2>&1 | head -1)"
  echo "mode: $([ $quick -eq 1 ] && echo quick || echo full), rounds: $rounds, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$work/results/machine.txt"
cat "$work/results/machine.txt" >&2

log "starting etcd and Etch clusters (work dir $work)"
start_cluster etcd
start_cluster etch
for sys in etcd etch; do
  "$etcdctl_bin" --endpoints "$(endpoints $sys)" put foo "$(head -c 256 /dev/zero | tr '\0' v)" >/dev/null
done

if [ "$do_check" -eq 1 ]; then
  for sys in etcd etch; do
    log "etcdctl check datascale --load=$check_load on $sys"
    with_rss_peak "$sys" bash -c "'$etcdctl_bin' --endpoints '$(endpoints $sys)' check datascale --load=$check_load \
        >'$work/results/datascale.$sys.out' 2>&1"
    peak=$(cat "$work/results/rss-peak.$sys" 2>/dev/null || true); peak=${peak:-0}
    metric "datascale-peak-rss-mb" "$sys" "$(python3 -c "print('%.1f' % ($peak/1024))")"
    mem=$(grep -o 'Approximate system memory used : [0-9.]* [KMG]*B' "$work/results/datascale.$sys.out" | awk '{print $6 $7}' || true)
    metric "datascale-reported" "$sys" "${mem:-FAIL}"
    log "datascale on $sys: $(tr '\r' '\n' <"$work/results/datascale.$sys.out" | grep -E '^(PASS|FAIL|Error)' | tr '\n' ' ')"
  done
  for sys in etcd etch; do
    log "etcdctl check perf --load=$check_load on $sys (60 s)"
    "$etcdctl_bin" --endpoints "$(endpoints $sys)" check perf --load=$check_load >"$work/results/perf.$sys.out" 2>&1 || true
    metric "check-perf" "$sys" "$(tr '\r' '\n' <"$work/results/perf.$sys.out" | grep -cE '^PASS' || true)/$(tr '\r' '\n' <"$work/results/perf.$sys.out" | grep -cE '^(PASS|FAIL)' || true) $(grep -oE '[0-9]+ writes/s' "$work/results/perf.$sys.out" | awk '{print $1}' | head -1)w/s"
    log "perf on $sys: $(tr '\r' '\n' <"$work/results/perf.$sys.out" | grep -E '^(PASS|FAIL|Error)' | tr '\n' ' ')"
  done
fi

# Warm-up, results not counted: every selected workload once on each system (round 0, rows in
# warmup.tsv), then $warm puts with 1000 clients. Etch runs on the JVM, whose JIT compiles the hot paths
# during its first few hundred thousand requests (C2 took 40-50 % of a member's CPU after 150k puts, about
# 5 % after 450k: docs/benchmarks.md); etcd has no warm-up but gets the same requests, so both systems
# are measured in their steady state.
log "warm-up: round 0 of every workload, then $warm puts"
run_results="$work/results/warmup.tsv"
for entry in "${workloads[@]}"; do
  selected "${entry%%|*}" || continue
  for sys in etcd etch; do run_workload "$sys" 0 "$entry"; done
done
for sys in etcd etch; do
  "$etchctl" benchmark --endpoints "$(endpoints $sys)" --progress never -w json --clients 1000 --conns 100 \
    put --key-size 8 --val-size 256 --key-space-size 100000 --total "$warm" >/dev/null 2>&1 || true
done
run_results="$results"

for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then order=(etcd etch); else order=(etch etcd); fi
  for entry in "${workloads[@]}"; do
    selected "${entry%%|*}" || continue
    for sys in "${order[@]}"; do run_workload "$sys" "$round" "$entry"; done
  done
done

for sys in etcd etch; do
  for i in 0 1 2; do
    metric "peak-rss-mb-member-$i" "$sys" "$(python3 -c "print('%.1f' % ($(rss_kb "${pids[$sys-$i]}" VmHWM)/1024))")"
  done
done

if [ "$do_restart" -eq 1 ]; then
  for sys in etcd etch; do
    log "loading $restart_keys keys into $sys"
    "$etchctl" benchmark --endpoints "$(endpoints $sys)" --progress never -w json --clients 1000 --conns 100 \
      put --key-size 8 --val-size 256 --sequential-keys --key-space-size "$restart_keys" --total "$restart_keys" \
      >"$work/results/load.$sys.json" 2>&1 || true
    count=$("$etcdctl_bin" --endpoints "$(endpoints $sys)" get "" --from-key --keys-only --limit 1 -w json \
      | python3 -c 'import json,sys; print(json.load(sys.stdin).get("count", 0))' || echo '?')
    stop_cluster "$sys"
    for i in 0 1 2; do start_member "$sys" "$i"; done
    t=$(wait_healthy "$sys" 600 || echo ERR)
    # One row for both systems (keyed by the keys loaded); the count actually stored goes to its own row,
    # since a few puts of the load may fail on either system.
    metric "restart-to-serving-s ($restart_keys keys loaded)" "$sys" "$t"
    metric "keys stored before the restart" "$sys" "$count"
    log "$sys restarted with $count keys: serving after ${t}s"
  done
fi

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$work/results/machine.txt"

python3 - "$results" "$work/results/machine.txt" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print()
print(open(sys.argv[2]).read().rstrip())
print()
runs, metrics, order = {}, {}, []
for r in rows:
    if r[0] == "M":
        metrics.setdefault(r[1], {})[r[2]] = r[3]
        if r[1] not in order: order.append(r[1])
        continue
    name, system = r[0], r[1]
    runs.setdefault(name, {}).setdefault(system, []).append(r[3:7])
def med(vals, i):
    xs = [float(v[i]) for v in vals if v[i] != "ERR"]
    return statistics.median(xs) if xs else None
def f(x, d=1):
    return "ERR" if x is None else ("%.*f" % (d, x))
def ratio(a, b):
    return "-" if a is None or b is None or b == 0 else "%.2fx" % (a / b)
hdr = ("workload", "etcd QPS", "Etch QPS", "QPS E/e", "etcd avg ms", "Etch avg ms", "etcd p99 ms", "Etch p99 ms", "p99 E/e", "n", "errors e/E")
w = (16, 10, 10, 8, 11, 11, 11, 11, 8, 3, 11)
line = lambda cells: "| " + " | ".join(str(c).ljust(x) for c, x in zip(cells, w)) + " |"
print(line(hdr)); print("|" + "|".join("-" * (x + 2) for x in w) + "|")
for name, by in runs.items():
    e, E = by.get("etcd", []), by.get("etch", [])
    qe, qE = med(e, 0), med(E, 0)
    pe, pE = med(e, 2), med(E, 2)
    errs = "%s/%s" % (sum(int(v[3]) for v in e if v[3] != "ERR") if e else "-",
                      sum(int(v[3]) for v in E if v[3] != "ERR") if E else "-")
    print(line((name, f(qe), f(qE), ratio(qE, qe), f(med(e, 1), 2), f(med(E, 1), 2), f(pe, 2), f(pE, 2),
                ratio(pE, pe), max(len(e), len(E)), errs)))
print()
w2 = (34, 14, 14, 8)
line2 = lambda cells: "| " + " | ".join(str(c).ljust(x) for c, x in zip(cells, w2)) + " |"
print(line2(("measure", "etcd", "Etch", "E/e"))); print("|" + "|".join("-" * (x + 2) for x in w2) + "|")
for m in order:
    a, b = metrics[m].get("etcd", "-"), metrics[m].get("etch", "-")
    try: r = "%.2fx" % (float(b) / float(a))
    except (ValueError, ZeroDivisionError): r = "-"
    print(line2((m, a, b, r)))
EOF
