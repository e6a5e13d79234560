#!/usr/bin/env bash
# The test teaching_diagrams: regenerates the teaching diagrams (generate.sh, the one list of
# scenarios and options) into a temporary directory and compares them byte for byte with the
# committed docs/teaching/diagrams. Both the DOT sources and their SVG renderings are compared:
# detcd's runs are deterministic and Graphviz's SVG is too for one Graphviz version (CI uses the
# same Debian release).
#
#   docs/teaching/check-diagrams.sh DETCD_SIM
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DETCD_SIM" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
committed="$here/diagrams"
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT

"$here/generate.sh" "$1" "$fresh"

status=0
for f in "$fresh"/*; do
  name=$(basename "$f")
  if [ ! -e "$committed/$name" ]; then
    echo "teaching diagrams: docs/teaching/diagrams/$name is missing"
    status=1
  elif ! cmp -s "$f" "$committed/$name"; then
    echo "teaching diagrams: docs/teaching/diagrams/$name differs from a fresh generation:"
    diff "$committed/$name" "$f" | head -20 || true
    status=1
  fi
done
for f in "$committed"/*; do
  name=$(basename "$f")
  if [ ! -e "$fresh/$name" ]; then
    echo "teaching diagrams: docs/teaching/diagrams/$name is no longer generated"
    status=1
  fi
done
if [ $status -ne 0 ]; then
  echo "Refresh with 'make teaching' (docs/teaching/generate.sh build/bin/detcd-sim" \
    "docs/teaching/diagrams), then check that the pages in docs/teaching/ still describe" \
    "the diagrams (times and arrow labels)."
  exit 1
fi
echo "teaching diagrams: $(ls "$fresh" | wc -l) files match"
