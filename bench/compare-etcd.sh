#!/usr/bin/env bash
# Server benchmark (issue 9, docs/performance-server.md): the same load client (detcd-bench)
# against a 3-member etcd cluster and then a 3-member detcd cluster, both on loopback with
# separate data directories on the same disk, and that disk's fdatasync latency.
#
#   bench/compare-etcd.sh [--bench build/bin/detcd-bench] [--etcd /usr/bin/etcd]
#                         [--detcd build/bin/detcd] [--dir DIR] [--scale F] [--members N]
#
# Scenarios (256-byte values, 8-byte sequential keys): puts with 1 client on 1 connection to the
# leader; puts with 100 clients over 10 connections to all members; linearizable and
# serializable ranges of one key with 100 clients over 10 connections. --scale multiplies the
# request counts (1: 10,000 single-client puts and 100,000 requests per 100-client scenario).
# The data directories go under --dir (default: a new directory under ${TMPDIR:-/tmp}); put it on
# the disk you mean to measure (a tmpfs makes fdatasync free). detcd is skipped when its
# binary does not exist. --members (default 3) sets the cluster size. Servers are always
# killed at the end. Exit status 1 when a cluster did not start or a scenario failed.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bench="$root/build/bin/detcd-bench" etcd_bin="$(command -v etcd || true)"
detcd_bin="$root/build/bin/detcd" base="" scale=1 members=3
usage() { sed -n '2,17p' "$0" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bench) bench="$2"; shift 2 ;;
    --etcd) etcd_bin="$2"; shift 2 ;;
    --detcd) detcd_bin="$2"; shift 2 ;;
    --dir) base="$2"; shift 2 ;;
    --scale) scale="$2"; shift 2 ;;
    --members) members="$2"; shift 2 ;;
    *) echo "compare-etcd.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ -x "$bench" ]] ||
  { echo "compare-etcd.sh: no load client at $bench (build detcd-bench)" >&2; exit 2; }
[[ -x "$etcd_bin" ]] || { echo "compare-etcd.sh: no etcd binary (--etcd)" >&2; exit 2; }
if [[ -n "$base" ]]; then mkdir -p "$base"; fi
work="$(mktemp -d "${base:-${TMPDIR:-/tmp}}/detcd-bench.XXXXXX")"

pids=()
stop_cluster() {
  for pid in "${pids[@]}"; do
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}
trap 'stop_cluster; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

scaled() { awk -v n="$1" -v s="$scale" 'BEGIN { printf "%d", n * s }'; }
puts_1=$(scaled 10000) puts_100=$(scaled 100000) ranges=$(scaled 100000)
probe_writes=$(scaled 1000)
if [[ $puts_1 -lt 1 || $probe_writes -lt 10 ]]; then
  echo "compare-etcd.sh: --scale $scale leaves too few requests" >&2
  exit 2
fi

# The disk's write + fdatasync latency (detcd-bench fdatasync: 1,000 × scale 256-byte writes into a
# preallocated file, one fdatasync each), with the CPUs idle and with every CPU kept busy: on a
# VM an I/O completing on an idle vCPU waits for its wake-up (~4 ms here), which a loaded server
# does not see. Measured before and after the clusters, since a shared disk's latency drifts.
fdatasync_figures=()
probe_disk() {  # when
  local idle_p50 idle_p99 busy_p50 busy_p99
  read -r _ idle_p50 idle_p99 _ < <("$bench" fdatasync --dir "$work" --total "$probe_writes" --tsv)
  read -r _ busy_p50 busy_p99 _ < \
    <("$bench" fdatasync --dir "$work" --total "$probe_writes" --busy-cpus --tsv)
  fdatasync_figures+=("$(printf \
    '%s: p50 %.3f ms (p99 %.3f) idle, p50 %.3f ms (p99 %.3f) with CPUs busy' \
    "$1" "$idle_p50" "$idle_p99" "$busy_p50" "$busy_p99")")
  echo "fdatasync on $work, ${fdatasync_figures[-1]}"
}
probe_disk before

endpoints=""
start_cluster() {  # label binary
  local label="$1" bin="$2" ports cluster="" i
  # Three ports a member: client, peer, metrics (both servers take --listen-metrics-urls).
  read -r -a ports < <("$root/interop/free-ports.sh" $((3 * members)))
  for i in $(seq "$members"); do
    cluster+="${cluster:+,}m$i=http://127.0.0.1:${ports[$((3 * i - 2))]}"
  done
  endpoints="" metrics_urls=()
  for i in $(seq "$members"); do
    local client="http://127.0.0.1:${ports[$((3 * i - 3))]}"
    local peer="http://127.0.0.1:${ports[$((3 * i - 2))]}"
    local metrics="http://127.0.0.1:${ports[$((3 * i - 1))]}"
    "$bin" --name "m$i" --data-dir "$work/$label/m$i" \
      --listen-client-urls "$client" --advertise-client-urls "$client" \
      --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
      --listen-metrics-urls "$metrics" \
      --initial-cluster "$cluster" --initial-cluster-token "bench-$label-$$" \
      --initial-cluster-state new >"$work/$label-m$i.log" 2>&1 &
    pids+=($!)
    endpoints+="${endpoints:+,}127.0.0.1:${ports[$((3 * i - 3))]}"
    metrics_urls+=("$metrics")
  done
  local ep tries pid
  for ep in ${endpoints//,/ }; do
    for tries in $(seq 60); do
      "$bench" range ready --total 1 --connect-timeout 1 --endpoints "$ep" >/dev/null 2>&1 &&
        break
      for pid in "${pids[@]}"; do
        if ! kill -0 "$pid" 2>/dev/null; then
          echo "$label: a member exited at start; last lines of its log:" >&2
          for i in $(seq "$members"); do tail -n 3 "$work/$label-m$i.log" >&2; done
          return 1
        fi
      done
      if [[ $tries -eq 60 ]]; then
        echo "$label: member $ep not ready after 60 tries" >&2
        return 1
      fi
      sleep 0.5
    done
  done
}

# The leader's endpoint first (etcdctl endpoint status: the 5th field is IS LEADER), else the
# members in order.
leader_first() {
  local leader others
  leader=$(ETCDCTL_API=3 etcdctl --endpoints "$endpoints" endpoint status 2>/dev/null |
    awk -F', ' '$5 == "true" { print $1; exit }' || true)
  if [[ -n "$leader" ]]; then
    echo "leader: $leader" >&2
    others=$(tr ',' '\n' <<<"$endpoints" | grep -vx "$leader" | paste -sd, || true)
    echo "$leader${others:+,$others}"
  else
    echo "$endpoints"
  fi
}

results=() failures=0
run_scenario() {  # label scenario detcd-bench-args...
  local label="$1" scenario="$2" rps p50 p99 errors
  shift 2
  if ! read -r rps p50 p99 errors < <("$bench" --tsv "$@"); then
    echo "  $label $scenario: the load client failed (see above)" >&2
    results+=("$label|$scenario|0|0|0|failed")
    failures=$((failures + 1))
    return 0
  fi
  results+=("$label|$scenario|$rps|$p50|$p99|$errors")
  [[ $errors -eq 0 ]] || failures=$((failures + 1))
  printf '  %s %s: %.0f/s, p50 %.3f ms, p99 %.3f ms, %s errors\n' \
    "$label" "$scenario" "$rps" "$p50" "$p99" "$errors"
}

# The server's own WAL fsync figure, from etcd's metric on the member's metrics URL.
wal_fsync_figures=()
wal_fsync() {  # label endpoint
  local avg i metrics="" eps
  command -v curl >/dev/null || return 0
  IFS=, read -r -a eps <<<"$endpoints"
  for i in "${!eps[@]}"; do
    [[ "${eps[$i]}" == "$2" ]] && metrics="${metrics_urls[$i]}"
  done
  avg=$(curl -s --max-time 5 "$metrics/metrics" | awk '
    /^etcd_disk_wal_fsync_duration_seconds_sum/ { sum = $2 }
    /^etcd_disk_wal_fsync_duration_seconds_count/ { n = $2 }
    END { if (n > 0) printf "%.3f ms average over %d fsyncs", sum / n * 1000, n }') || true
  wal_fsync_figures+=("$1 leader's etcd_disk_wal_fsync_duration_seconds: ${avg:-not available}")
}

run_cluster() {  # label binary
  local label="$1" bin="$2" ordered
  echo "$label: starting $members members ($bin)"
  if ! start_cluster "$label" "$bin"; then
    stop_cluster
    results+=("$label|cluster did not start (see above)|0|0|0|-")
    failures=$((failures + 1))
    return 0
  fi
  ordered=$(leader_first)
  echo "$label: endpoints $ordered (leader first when known)"
  run_scenario "$label" "put, 1 client" --endpoints "$ordered" --conns 1 --clients 1 \
    --total "$puts_1" put --key-size 8 --val-size 256 --sequential-keys --key-space-size 100000
  run_scenario "$label" "put, 100 clients / 10 conns" --endpoints "$ordered" --conns 10 \
    --clients 100 --total "$puts_100" put --key-size 8 --val-size 256 --sequential-keys \
    --key-space-size 100000
  run_scenario "$label" "range l, 100 clients" --endpoints "$ordered" --conns 10 --clients 100 \
    --total "$ranges" range foo --consistency l
  run_scenario "$label" "range s, 100 clients" --endpoints "$ordered" --conns 10 --clients 100 \
    --total "$ranges" range foo --consistency s
  wal_fsync "$label" "${ordered%%,*}"
  stop_cluster
}

run_cluster etcd "$etcd_bin"
if [[ -x "$detcd_bin" ]]; then
  run_cluster detcd "$detcd_bin"
else
  echo "detcd: skipped, no binary at $detcd_bin"
fi

probe_disk after

echo
echo "fdatasync (256-byte write + fdatasync) ${fdatasync_figures[0]}"
echo "fdatasync (256-byte write + fdatasync) ${fdatasync_figures[1]}"
printf '%s\n' "${wal_fsync_figures[@]}"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs; data under $work"
printf '%-6s  %-28s  %10s  %9s  %9s  %6s\n' server scenario "requests/s" "p50 ms" "p99 ms" errors
for row in "${results[@]}"; do
  IFS='|' read -r label scenario rps p50 p99 errors <<<"$row"
  printf '%-6s  %-28s  %10.0f  %9.3f  %9.3f  %6s\n' \
    "$label" "$scenario" "$rps" "$p50" "$p99" "$errors"
done
[[ $failures -eq 0 ]]
