#!/usr/bin/env bash
# Dissection speed and memory against tcpdump and tshark, side by side on the same capture.
#
#   scripts/bench.sh [SIZE_MB]      (default 300; needs hyperfine, tcpdump, tshark)
#
# Builds the release binary, writes bench-data/big-SIZE.pcap by repeating the interop captures
# (examples/make_big_capture.rs), then times each tool over it and prints the ratios. Output
# goes to /dev/null for every tool; each reads the file from the page cache after a warm-up.
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:-300}
big=bench-data/big-$size.pcap
keys=bench-data/none.keys
mkdir -p bench-data
# NO_BUILD=1 times the binary already built (when only the scripts changed); RTTSCOPE=PATH
# times another build (a copy of the binary before a change, for a before/after pair).
bin=${RTTSCOPE:-./target/release/rttscope}
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --bin rttscope --example make_big_capture
[ -f "$big" ] || ./target/release/examples/make_big_capture "$big" "$size"
packets=$($bin dissect "$big" -T fields -e frame.number | wc -l)
echo "capture: $big, $(du -m "$big" | cut -f1) MB, $packets packets"

export LC_ALL=C
json=$(mktemp)
export_dir=$(mktemp -d)
trap 'rm -f "$json"; rm -rf "$export_dir"' EXIT
fields4="-T fields -e frame.number -e ip.src -e tcp.stream -e tcp.seq"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine --warmup 1 --runs "${RUNS:-5}" --export-json "$json" --style basic \
  -n rttscope "$bin dissect $big > /dev/null" \
  -n rttscope-1 "$bin dissect --threads 1 $big > /dev/null" \
  -n rttscope-fields "$bin dissect $big $fields4 > /dev/null" \
  -n rttscope-fields-1 "$bin dissect --threads 1 $big $fields4 > /dev/null" \
  -n export "$bin export -o $export_dir $big > /dev/null" \
  -n export-1 "$bin export --threads 1 -o $export_dir $big > /dev/null" \
  -n tcpdump "tcpdump -nr $big > /dev/null 2>&1" >&2
hyperfine --runs 1 --export-json "$json.tshark" --style basic \
  -n tshark "tshark -n -r $big > /dev/null 2>&1" \
  -n tshark-fields "tshark -n -r $big -T fields -e frame.number -e ip.src -e tcp.stream -e tcp.seq > /dev/null 2>&1" >&2

python3 - "$json" "$json.tshark" <<'PY'
import json, sys
results, cpu = {}, {}
for path in sys.argv[1:]:
    for run in json.load(open(path))["results"]:
        results[run["command"]] = run["mean"]
        cpu[run["command"]] = run["user"] + run["system"]
ours, fields = results["rttscope"], results["rttscope-fields"]
print(f"rttscope text   {ours:7.3f} s   tcpdump -nr {results['tcpdump']:7.3f} s   ratio {results['tcpdump'] / ours:5.1f}x")
print(f"rttscope text   {ours:7.3f} s   tshark -r   {results['tshark']:7.3f} s   ratio {results['tshark'] / ours:5.1f}x")
print(f"rttscope fields {fields:7.3f} s   tshark -T fields {results['tshark-fields']:7.3f} s   ratio {results['tshark-fields'] / fields:5.1f}x")
# The issue's targets, as fractions of the other tool's time, for one thread and for every core.
print("wall-clock ratio                --threads 1   every core   target")
for name, ours, theirs, target in [
    ("text / tshark", "rttscope", "tshark", 0.1),
    ("text / tcpdump", "rttscope", "tcpdump", 0.25),
    ("fields (4) / tshark -T fields", "rttscope-fields", "tshark-fields", 0.05),
    ("export / text", "export", "rttscope", 2.0),
]:
    one = results[ours + "-1"] / results[theirs + ("-1" if theirs == "rttscope" else "")]
    every = results[ours] / results[theirs]
    print(f"{name:31} {one:11.3f} {every:12.3f}   <= {target}")
# Wall-clock time moves with whatever else shares the cores; CPU time (user + system, summed
# over threads) much less, so the same ratios in CPU time are printed too.
print("CPU time (user+system) ratio     --threads 1   every core   target")
for name, ours, theirs, target in [
    ("text / tshark", "rttscope", "tshark", 0.1),
    ("text / tcpdump", "rttscope", "tcpdump", 0.25),
    ("fields (4) / tshark -T fields", "rttscope-fields", "tshark-fields", 0.05),
    ("export / text", "export", "rttscope", 2.0),
]:
    one = cpu[ours + "-1"] / cpu[theirs + ("-1" if theirs == "rttscope" else "")]
    every = cpu[ours] / cpu[theirs]
    print(f"{name:31} {one:11.3f} {every:12.3f}   <= {target}")
print("CPU seconds: " + ", ".join(f"{name} {seconds:.3f}" for name, seconds in cpu.items()))
print(f"two threads against one: text {results['rttscope-1'] / results['rttscope']:.2f}x, fields {results['rttscope-fields-1'] / results['rttscope-fields']:.2f}x, export {results['export-1'] / results['export']:.2f}x faster")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$json.tshark"

# Peak resident memory. rttscope maps the file, so its resident set includes the file's pages
# that were touched; the anonymous (heap) part is reported separately from /proc.
peak() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
echo "peak RSS: rttscope $(peak $bin dissect "$big") KB," \
  "tcpdump $(peak tcpdump -nr "$big") KB, tshark $(peak tshark -n -r "$big") KB"
$bin dissect "$big" > /dev/null &
pid=$!
heap=0
while kill -0 "$pid" 2>/dev/null; do
  anon=$(awk '/^RssAnon/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
  [ "${anon:-0}" -gt "$heap" ] && heap=$anon
  sleep 0.02
done
echo "rttscope anonymous (heap) memory peak: about $heap KB"
