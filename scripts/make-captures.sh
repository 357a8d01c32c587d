#!/usr/bin/env bash
# Regenerates the course captures in captures/: one pcapng per variant, and all.pcapng with
# every variant, each recorded live by `rttscope demo` with its TLS keys embedded.
#
# Needs root (a raw socket for the capture, and a private network namespace for TCP Fast Open).
# Usage: sudo scripts/make-captures.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
rttscope=target/release/rttscope
mkdir -p captures
for variant in http tls12 tls13 tls13-0rtt tfo-tls13 tfo-tls13-0rtt quic quic-0rtt ping udp all; do
    echo "== $variant"
    "$rttscope" demo "$variant" --headless -w "captures/$variant.pcapng" | grep -Ev "^ |^$"
done
ls -l captures
