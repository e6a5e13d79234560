#!/usr/bin/env bash
# The test teaching_diagrams: regenerates the teaching diagrams (generate.sh, the one list of
# scenarios and options) into a temporary directory and compares them byte for byte with the
# committed docs/teaching/diagrams. Both the DOT sources and their SVG renderings are compared:
# detcd's runs are deterministic and Graphviz's SVG is too for one Graphviz version (CI uses the
# same Debian release). Then checks that each page (docs/teaching/*.md) quotes only times and
# labels that its diagrams show.
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
# The pages quote their diagrams: every time written with microseconds ("3.705340 s") and every
# code span that reads as a timeline label (`MsgApp t4 i59 +1 c58`, `leader t4`, `commit 60`,
# `c1 put k1: ok`, `{at: 2s, ...}`) must appear in a diagram the page links to. Times and labels
# from elsewhere (the trace, the history, another run) are written otherwise ("4.507 s").
label_start='^(Msg|commit |leader t|follower t|candidate t|pre-candidate t|restore |snapshot '
label_start+='|c[0-9]+ |[{]at: )'
pages_status=0
for page in "$here"/*.md; do
  diagrams=$(grep -o 'diagrams/[a-z0-9-]*\.svg' "$page" | sort -u | sed 's/\.svg$/.dot/') || true
  [ -n "$diagrams" ] || continue
  labels=$(cd "$here" && cat $diagrams)
  while read -r t; do
    [ -n "$t" ] || continue
    if ! grep -qF "\"$t\"" <<<"$labels"; then
      echo "teaching pages: $(basename "$page") quotes the time $t, which its diagrams do not show"
      pages_status=1
    fi
  done < <(grep -o '[0-9]*\.[0-9]\{6\} s' "$page" | sort -u)
  while read -r l; do
    [ -n "$l" ] || continue
    if ! grep -qF -- "$l" <<<"$labels"; then
      echo "teaching pages: $(basename "$page") quotes \`$l\`, which its diagrams do not show"
      pages_status=1
    fi
  done < <(grep -o '`[^`]*`' "$page" | tr -d '`' |
           grep -E "$label_start" | sort -u)
done

if [ $status -ne 0 ]; then
  echo "Refresh with 'make teaching' (docs/teaching/generate.sh build/bin/detcd-sim" \
    "docs/teaching/diagrams), then check that the pages in docs/teaching/ still describe" \
    "the diagrams (times and arrow labels)."
fi
if [ $pages_status -ne 0 ]; then
  echo "Make the page say what its diagram shows (open docs/teaching/diagrams/NAME.svg)."
fi
if [ $status -ne 0 ] || [ $pages_status -ne 0 ]; then
  exit 1
fi
echo "teaching diagrams: $(ls "$fresh" | wc -l) files match; the pages quote only what they show"
