#!/usr/bin/env bash
# Regenerates the course captures in captures/: one pcapng per variant, and all.pcapng with
# every variant, each recorded live on loopback by `rttscope demo --rtt 0` with its TLS keys
# embedded; and fixtures/link/all-40ms.pcapng, every variant over a 40 ms emulated link,
# recorded at both of its ends (the to-scale timelines' test capture).
#
# Needs root (a raw socket for the capture, and a private network namespace for TCP Fast Open).
# Usage: sudo scripts/make-captures.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
rttscope=target/release/rttscope
mkdir -p captures
for variant in http tls12 tls13 tls13-0rtt tfo-tls13 tfo-tls13-0rtt quic quic-0rtt ping udp ws wss ws-h2 wss-h2 ssh grpc stun dtls12 dtls12-cookie dtls13 all; do
    echo "== $variant"
    "$rttscope" demo "$variant" --rtt 0 --headless -w "captures/$variant.pcapng" | grep -Ev "^ |^$"
done
mkdir -p fixtures/link
echo "== all, over a 40 ms link"
"$rttscope" demo all --rtt 40ms --headless -w fixtures/link/all-40ms.pcapng | grep -Ev "^ |^$"
ls -l captures
