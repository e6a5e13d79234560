#!/usr/bin/env bash
# Runs the differential test (docs/interop.md) between two fresh single-member servers: each of
# --a-bin and --b-bin (etcd or detcd; both take etcd's flags) is started on free loopback ports
# chosen now, with its own data directory under a temporary directory, and killed at the end
# whatever happens.
#
#   interop/run-difftest.sh --difftest build/bin/detcd-difftest \
#       --a-bin /usr/bin/etcd --b-bin build/bin/detcd [--seed 1] [--ops 1000]
#       [--perturb K --expect-difference-at K]
#
# --expect-difference-at K inverts the verdict: the run passes only if detcd-difftest reports
# its first difference at op K (used with --perturb K to show that differences are caught).
set -euo pipefail

difftest="" a_bin="" b_bin="" seed=1 ops=1000 perturb="" expect=""
usage() { sed -n '2,13p' "$0" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --difftest) difftest="$2"; shift 2 ;;
    --a-bin) a_bin="$2"; shift 2 ;;
    --b-bin) b_bin="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --ops) ops="$2"; shift 2 ;;
    --perturb) perturb="$2"; shift 2 ;;
    --expect-difference-at) expect="$2"; shift 2 ;;
    *) echo "run-difftest.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ -x "$difftest" && -x "$a_bin" && -x "$b_bin" ]] || {
  echo "run-difftest.sh: --difftest, --a-bin and --b-bin must name executables" >&2; usage; }

work="$(mktemp -d "${TMPDIR:-/tmp}/detcd-difftest.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r a_client a_peer b_client b_peer < <("$(dirname "$0")/free-ports.sh" 4)

start() {  # name binary client-port peer-port
  local name="$1" bin="$2" client="http://127.0.0.1:$3" peer="http://127.0.0.1:$4"
  "$bin" --name "$name" --data-dir "$work/$name.data" \
    --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
    --initial-cluster "$name=$peer" --initial-cluster-token "difftest-$name-$$" \
    --initial-cluster-state new >"$work/$name.log" 2>&1 &
  pids+=($!)
}
start a "$a_bin" "$a_client" "$a_peer"
start b "$b_bin" "$b_client" "$b_peer"

args=(--seed "$seed" --ops "$ops" --a "127.0.0.1:$a_client" --b "127.0.0.1:$b_client"
  --replay-prefix "$0 --difftest $difftest --a-bin $a_bin --b-bin $b_bin")
[[ -n "$perturb" ]] && args+=(--perturb "$perturb")
echo "run-difftest.sh: A = $a_bin on :$a_client, B = $b_bin on :$b_client, seed $seed, $ops ops"
rc=0
"$difftest" "${args[@]}" >"$work/out" 2>&1 || rc=$?
cat "$work/out"

if [[ -n "$expect" ]]; then
  if [[ $rc -eq 1 ]] && grep -q "^difftest: DIFFERENCE at op $expect " "$work/out"; then
    echo "run-difftest.sh: the difference at op $expect was caught, as expected"
    exit 0
  fi
  echo "run-difftest.sh: expected a difference at op $expect, got exit status $rc" >&2
  exit 1
fi
if [[ $rc -ne 0 ]]; then
  for name in a b; do
    echo "--- last lines of server $name's log ($work/$name.log)" >&2
    tail -n 20 "$work/$name.log" >&2 || true
  done
fi
exit "$rc"
