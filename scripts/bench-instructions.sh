#!/usr/bin/env bash
# Instructions executed (callgrind) by text, `-T fields` with four fields and export on one
# thread, over the same capture: a measure that other work on the machine's cores does not
# move, for before/after pairs where wall-clock times are noise.
#
#   scripts/bench-instructions.sh [SIZE_MB] [BINARY...]     (default 8 MB; needs valgrind)
#
# With no BINARY, builds and measures ./target/release/rttscope; with several (copies of the
# binary before and after a change), prints one row each. The capture is
# bench-data/big-SIZE.pcap, made by examples/make_big_capture.rs as scripts/bench.sh makes it.
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:-8}
shift || true
bins=("$@")
big=bench-data/big-$size.pcap
mkdir -p bench-data
if [ ${#bins[@]} -eq 0 ]; then
  cargo build --release --quiet --bin rttscope --example make_big_capture
  bins=(./target/release/rttscope)
fi
if [ ! -f "$big" ]; then
  cargo build --release --quiet --example make_big_capture
  ./target/release/examples/make_big_capture "$big" "$size"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Prints the instructions one command executed, in millions.
instructions() {
  valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$@" 2>&1 >/dev/null |
    awk '/Collected/ {printf "%.1f", $NF / 1e6}'
}

fields4=(-T fields -e frame.number -e ip.src -e tcp.stream -e tcp.seq)
echo "capture: $big; millions of instructions, --threads 1"
printf '%-40s %10s %10s %10s %14s\n' binary text fields4 export "export/text"
for bin in "${bins[@]}"; do
  text=$(instructions "$bin" dissect --threads 1 "$big")
  fields=$(instructions "$bin" dissect --threads 1 "$big" "${fields4[@]}")
  rm -rf "$work/export"
  export=$(instructions "$bin" export --threads 1 -o "$work/export" "$big")
  ratio=$(awk -v e="$export" -v t="$text" 'BEGIN {printf "%.2f", e / t}')
  printf '%-40s %10s %10s %10s %14s\n' "$bin" "$text" "$fields" "$export" "$ratio"
done
