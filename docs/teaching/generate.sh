#!/usr/bin/env bash
# Regenerates the timeline diagrams of the teaching walk-throughs (docs/teaching/README.md).
#
#   docs/teaching/generate.sh DETCD_SIM OUTDIR
#
# DETCD_SIM is the built build/bin/detcd-sim; OUTDIR receives, for each walk-through NAME below,
# NAME.dot and NAME.svg (the timeline's first page) and NAME-K.dot / NAME-K.svg (page K >= 2).
# `make teaching` writes into docs/teaching/diagrams; the ctest test teaching_diagrams
# (check-diagrams.sh) writes into a temporary directory and compares. This list is the only
# place that says which scenario, seed and report options each diagram uses.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 DETCD_SIM OUTDIR" >&2
  exit 2
fi
sim=$(realpath "$1")
out=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
rm -f "$out"/*.dot "$out"/*.svg  # a diagram dropped from the list below must not linger
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# walk NAME SCENARIO SEED VERDICT [detcd-sim run options...]
# Runs docs/teaching/SCENARIO.yaml at SEED with a report and copies its timeline pages to
# OUTDIR/NAME*.{dot,svg}. VERDICT (PASS or FAIL) is the verdict the page explains; any other
# outcome is an error, so a walk-through cannot silently stop showing what its page says.
walk() {
  local name=$1 scenario=$2 seed=$3 verdict=$4
  shift 4
  local dir="$work/$name" status=0
  # Run from the repository root so that the report's replay command names the file as
  # docs/teaching/SCENARIO.yaml wherever OUTDIR is.
  (cd "$here/../.." && "$sim" run "docs/teaching/$scenario.yaml" --seed "$seed" \
    --report "$dir" "$@") >"$work/$name.log" 2>&1 || status=$?
  if ! grep -qx "verdict: $verdict.*" "$work/$name.log"; then
    echo "generate.sh: $name: expected verdict $verdict (exit status $status):" >&2
    cat "$work/$name.log" >&2
    exit 1
  fi
  local f page
  for f in "$dir"/timeline*.dot "$dir"/timeline*.svg; do
    page=$(basename "$f")
    page=${page#timeline}
    cp "$f" "$out/$name$page"
  done
}

walk leader-election leader-election 3 PASS --report-window 0s..400ms --report-unfold
walk log-replication log-replication 2 PASS --report-window 1s..1.3s --report-unfold \
  --report-clients
walk leader-isolated leader-isolated 1 PASS --report-window 1.9s..5.4s --report-clients
walk pre-vote pre-vote 1 PASS --report-window 1.9s..6s
walk pre-vote-off pre-vote-off 1 PASS --report-window 1.9s..7.8s
walk figure-8-setup figure-8 1 PASS --report-window 1.95s..3.69s
walk figure-8 figure-8 1 PASS --report-window 3.7s..3.716s --report-unfold \
  --report-kinds MsgApp,MsgAppResp
walk figure-8-bug figure-8 1 FAIL --bug commit-previous-term --report-window 3.7s..3.716s \
  --report-unfold --report-kinds MsgApp,MsgAppResp
walk membership-add membership-change 1 PASS --report-window 2s..2.009s --report-unfold
walk membership-remove membership-change 1 PASS --report-window 3.5s..3.509s --report-unfold
walk snapshot-catch-up snapshot-catch-up 4 PASS --report-window 4.97s..5.012s --report-unfold \
  --report-kinds MsgApp,MsgAppResp,MsgSnap --report-nodes n1,n3
walk lease-clock-drift lease-clock-drift 5 PASS --report-window 2.7s..4.41s --report-unfold \
  --report-kinds MsgApp --report-nodes n1,n2 --report-clients
