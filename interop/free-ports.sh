#!/usr/bin/env bash
# Prints N distinct TCP ports that no socket on this machine uses right now, for test servers
# on loopback (interop/run-difftest.sh, bench/compare-etcd.sh):  interop/free-ports.sh 4
# Candidates are drawn from 20000-32767, below Linux's default ephemeral range (32768-60999),
# so that outgoing connections do not take them meanwhile, and skip etcd's conventional x2379 /
# x2380 (tests with fixed ports use them, e.g. 22379); the ports in use are read from
# /proc/net/tcp and /proc/net/tcp6 (any state). Another process may still take a port between
# this check and the server's bind: the callers fail with the server's log then.
set -euo pipefail
count="${1:?usage: free-ports.sh N}"
used=""
while read -r hex; do
  used+="$((16#$hex))"$'\n'
done < <(awk 'FNR > 1 { n = split($2, a, ":"); print a[n] }' /proc/net/tcp /proc/net/tcp6 |
  sort -u)
ports=()
while [[ ${#ports[@]} -lt $count ]]; do
  candidate=$((20000 + RANDOM % 12768))
  if [[ $((candidate % 10000)) -ne 2379 && $((candidate % 10000)) -ne 2380 ]] &&
    ! grep -qx "$candidate" <<<"$used" && [[ " ${ports[*]} " != *" $candidate "* ]]; then
    ports+=("$candidate")
  fi
done
echo "${ports[@]}"
