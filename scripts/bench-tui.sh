#!/usr/bin/env bash
# How fast the terminal UI opens a big capture, and what it holds in memory, measured in tmux.
#
#   scripts/bench-tui.sh [CAPTURE]   (default bench-data/big-300.pcap, made by scripts/bench.sh)
#
# Starts `rttscope CAPTURE` in a private tmux server and polls the pane every 10 ms: the first
# screen is up when the first packet row is drawn; indexing is done when the status bar no
# longer says "indexing". Then it moves to the last packet (G) and times its layers appearing,
# then back to the first (Home) and times frame 1's layers and its Info (made on demand from
# the nearest checkpoint), then the middle packet's after going to it by number (:), and
# reads the process's peak memory (VmHWM, with the resident anonymous and file-backed parts).
# RTTSCOPE=path runs another build (to compare two).
set -euo pipefail
cd "$(dirname "$0")/.."

capture=${1:-bench-data/big-300.pcap}
[ -f "$capture" ] || { echo "no $capture: run scripts/bench.sh first to make it" >&2; exit 1; }
rttscope=${RTTSCOPE:-./target/release/rttscope}
[ -n "${RTTSCOPE:-}" ] || cargo build --release --quiet --bin rttscope
socket=rttscope-bench-$$
tmux_() { tmux -L "$socket" "$@"; }
# kill-server leaves the socket file behind: remove it too.
trap 'tmux_ kill-server 2>/dev/null || true; rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$socket"' EXIT

now() { date +%s.%N; }
pane() { tmux_ capture-pane -p; }
wait_for() { # PATTERN [absent] — until the pane shows (or stops showing) PATTERN
  while :; do
    if pane | grep -q -- "$1"; then [ "${2:-}" = absent ] || return 0
    else [ "${2:-}" = absent ] && return 0; fi
    sleep 0.01
  done
}

export LC_ALL=C.UTF-8
start=$(now)
tmux_ new-session -d -x 160 -y 48 "$rttscope $capture"
wait_for '^ *1  *0\.000000 '
first=$(now)
wait_for 'indexing' absent
indexed=$(now)
pid=$(tmux_ list-panes -F '#{pane_pid}')
last=$(pane | sed -n 's/^ *\([0-9,]*\) packets .*/\1/p' | tr -d ,)
# Frame 1's row as drawn before moving away, to know it when it is drawn again.
first_info=$(pane | grep -m1 '^ *1  *0\.000000 ' | sed 's/  */ /g')
tmux_ send-keys G
moved=$(now)
wait_for "Layers of frame $last "
detail=$(now)
tmux_ send-keys Home
back=$(now)
wait_for "Layers of frame 1 "
while [ "$(pane | grep -m1 '^ *1  *0\.000000 ' | sed 's/  */ /g')" != "$first_info" ]; do sleep 0.01; done
start_again=$(now)
# A jump to the middle (`:` and a number): the walk starts from the last checkpoint before it.
middle=$((last / 2))
tmux_ send-keys : "$middle" Enter
jumped=$(now)
wait_for "Layers of frame $middle "
middle_done=$(now)
peak=$(awk '/VmHWM|RssAnon|RssFile/ {printf "%s %.0f MB  ", $1, $2 / 1024}' "/proc/$pid/status")
tmux_ send-keys q
size=$(du -m "$capture" | cut -f1)
printf 'capture %s (%s MB)\n' "$capture" "$size"
printf 'first screen      %6.3f s\n' "$(echo "$first - $start" | bc)"
printf 'indexed           %6.3f s\n' "$(echo "$indexed - $start" | bc)"
printf 'last packet layers %5.3f s after G\n' "$(echo "$detail - $moved" | bc)"
printf 'first packet again %5.3f s after Home (layers and Info)\n' "$(echo "$start_again - $back" | bc)"
printf 'middle packet      %5.3f s after :%s\n' "$(echo "$middle_done - $jumped" | bc)" "$middle"
printf 'load average      %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'memory            %s\n' "$peak"
