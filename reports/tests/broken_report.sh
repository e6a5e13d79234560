#!/bin/sh
# Stands in for `detcd-sim run ... --report DIR` in the browser test's own test
# (browser_rejects_a_broken_page.cmake): writes into DIR an index.html with no timeline and no
# history chart, an image from the network and a script error, all of which the test must flag.
while [ $# -gt 0 ]; do
  [ "$1" = "--report" ] && dir="$2"
  shift
done
[ -n "$dir" ] || { echo "broken_report.sh: no --report DIR" >&2; exit 2; }
mkdir -p "$dir"
cat > "$dir/index.html" <<'HTML'
<!DOCTYPE html><html><head><title>detcd run: broken</title></head><body>
<img src="http://example.invalid/x.png"><script>noSuchFunction();</script></body></html>
HTML
