#!/usr/bin/env bash
# Times rttscope on each class of hostile capture at two sizes, so that linear growth shows:
# the larger size is four times the smaller, so a linear class takes about four times as long
# and a quadratic one sixteen. Prints, per class and size: the size asked of the generator (for
# gzip-bomb, the capture's size once decompressed), the file's MB, wall seconds and peak MB.
#
#   scripts/bench-hostile.sh [SMALL_MB] [CLASS...]     (default 10 MB, every class)
set -euo pipefail
cd "$(dirname "$0")/.."
small=${1:-10}
shift || true
cargo build --release --quiet --bin rttscope --example hostile
bin=target/release/rttscope
gen=target/release/examples/hostile
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '%-30s %6s %8s %9s %9s  %s\n' class "asked" "file MB" "seconds" "peak MB" "command"
"$gen" --names | while read -r name command; do
    if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then
        continue
    fi
    for size in "$small" $((small * 4)); do
        file="$dir/$name.pcap"
        "$gen" "$name" "$size" "$file"
        mb=$(( $(stat -c %s "$file") / 1000000 ))
        # shellcheck disable=SC2086
        /usr/bin/time -f '%e %M' -o "$dir/time" "$bin" $command "$file" >/dev/null 2>"$dir/err" || true
        read -r seconds kb <"$dir/time"
        printf '%-30s %6s %8s %9s %9s  %s\n' "$name" "$size" "$mb" "$seconds" "$((kb / 1024))" "$command"
        rm -f "$file"
    done
done
