#!/usr/bin/env bash
# `rttscope export` speed and memory: one large capture against `rttscope dissect -T fields` and
# `tshark -T fields` asked for the same fields (what a Parquet export replaces), then a fleet of
# copies with one thread and with one per core.
#
#   scripts/bench-export.sh [SIZE_MB] [COPIES]      (defaults 100 and 4; needs hyperfine, tshark)
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:-100}
copies=${2:-4}
big=bench-data/big-$size.pcap
mkdir -p bench-data
# NO_BUILD=1 times the binary already built (when only the scripts changed).
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --bin rttscope --example make_big_capture
[ -f "$big" ] || ./target/release/examples/make_big_capture "$big" "$size"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fleet=()
for n in $(seq 1 "$copies"); do
  ln -s "$PWD/$big" "$work/copy$n.pcap"
  fleet+=("$work/copy$n.pcap")
done
fields=(-e frame.number -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport -e tcp.stream -e tcp.flags
  -e udp.srcport -e udp.dstport -e tls.handshake.type -e tls.handshake.extensions_server_name
  -e quic.long.packet_type -e http.request.method -e http.request.uri -e http.response.code -e _ws.col.Info)
echo "capture: $big, $(du -m "$big" | cut -f1) MB; fleet: $copies copies"

export LC_ALL=C
hyperfine --warmup 1 --runs "${RUNS:-3}" --style basic \
  -n export "./target/release/rttscope export -o $work/one $big" \
  -n dissect-fields "./target/release/rttscope dissect $big -T fields ${fields[*]} > /dev/null" \
  -n tshark-fields "tshark -n -r $big -T fields ${fields[*]} > /dev/null 2>&1" \
  -n "fleet, 1 thread" "./target/release/rttscope export --threads 1 -o $work/fleet1 ${fleet[*]}" \
  -n "fleet, every core" "./target/release/rttscope export -o $work/fleet ${fleet[*]}"

peak() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
echo "peak RSS: export $(peak ./target/release/rttscope export -o "$work/peak" "$big") KB," \
  "fleet on every core $(peak ./target/release/rttscope export -o "$work/peakfleet" "${fleet[@]}") KB"
echo "tables: $(du -sm "$work/one" | cut -f1) MB of Parquet for $(du -m "$big" | cut -f1) MB of capture"
