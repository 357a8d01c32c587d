#!/usr/bin/env bash
# The emulated link's accuracy: the error of each one-way delay (read from the link's own
# two-sided capture) and of each application round trip (timed by the client), at 10, 50 and
# 200 ms, as median and p99. The aim is a p99 one-way error under 1 ms.
#
#   scripts/bench-link.sh [COUNT]   (default 200 echoes per RTT)
#
# Runs as root, or as an ordinary user where user namespaces are allowed.
set -euo pipefail
cd "$(dirname "$0")/.."

count=${1:-200}
cargo build --release --quiet --bin rttscope
echo "rtt     one-way median  one-way p99  round-trip median  round-trip p99  (us)"
for rtt in 10ms 50ms 200ms; do
  out=$(./target/release/rttscope link-probe --rtt "$rtt" --count "$count" --interval 5ms)
  one_way=$(grep '^one-way' <<<"$out")
  round_trip=$(grep '^round-trip' <<<"$out")
  field() { sed -E "s/.*$1 ([0-9.]+) us.*/\1/" <<<"$2"; }
  printf '%-7s %14s %12s %18s %15s\n' "$rtt" \
    "$(field median "$one_way")" "$(field p99 "$one_way")" \
    "$(field median "$round_trip")" "$(field p99 "$round_trip")"
done
