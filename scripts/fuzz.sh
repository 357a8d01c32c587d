#!/usr/bin/env bash
# Runs a coverage-guided fuzzing campaign (cargo-fuzz, libFuzzer) on one target for a time:
#
#   scripts/fuzz.sh TARGET SECONDS [LIBFUZZER_FLAG...]
#
# TARGET is capture_file, dissect_chain, tracker, filter or keylog (see fuzz/fuzz_targets/).
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --version =0.13.1`).
# Seeds are made from the repository's captures by scripts/fuzz-seeds.py (into fuzz/seeds,
# not committed); what the campaign finds grows fuzz/corpus/TARGET, and a crash or leak is
# written to fuzz/artifacts/TARGET/. It runs at the lowest priority, so other work on the
# machine is not starved. The last lines printed are libFuzzer's final statistics
# (executions, coverage); the whole log is kept in fuzz/logs/TARGET.log.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
shift 2
if [ ! -d "fuzz/seeds/$target" ]; then
    python3 scripts/fuzz-seeds.py fuzz/seeds >/dev/null
fi
mkdir -p "fuzz/corpus/$target" fuzz/logs
case "$target" in
    capture_file) max_len=65536 ;;
    tracker) max_len=16384 ;;
    *) max_len=4096 ;;
esac
nice -n 19 cargo +nightly fuzz build --fuzz-dir fuzz "$target"
nice -n 19 cargo +nightly fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 "$@" 2>&1 | tee "fuzz/logs/$target.log" | grep -E '^(#[0-9]+ +(DONE|INITED|REDUCE|NEW))|^stat::|SUMMARY|Test unit written|ERROR' | tail -n 30
