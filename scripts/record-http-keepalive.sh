#!/usr/bin/env bash
# record-http-keepalive.sh -- record fixtures/http/keepalive-curl.pcap: curl fetching many
# small files over one HTTP/1.1 keep-alive connection from python3 http.server, on the
# loopback of a network namespace this script creates and deletes. The capture is the base of
# the test that drops one packet and compares rttscope's requests with tshark's.
#
# Usage: sudo scripts/record-http-keepalive.sh [REQUESTS] [OUT]   (default 200,
#        fixtures/http/keepalive-curl.pcap)
set -euo pipefail

REQUESTS=${1:-200}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${2:-$REPO_ROOT/fixtures/http/keepalive-curl.pcap}
NS=rttscope-httpka-$$
WORK=$(mktemp -d)
SERVER=
CAPTURE=

cleanup() {
    [ -n "$CAPTURE" ] && kill "$CAPTURE" 2>/dev/null || true
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
    sleep 0.2
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

ip netns add "$NS"
ip -n "$NS" link set lo up
mkdir -p "$WORK/www" "$(dirname "$OUT")"
urls=()
for index in $(seq 1 "$REQUESTS"); do
    printf 'file %d\n' "$index" >"$WORK/www/f$index.txt"
    urls+=("http://127.0.0.1:8080/f$index.txt")
done
ip netns exec "$NS" python3 -m http.server 8080 --bind 127.0.0.1 --protocol HTTP/1.1 \
    --directory "$WORK/www" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do
    ip netns exec "$NS" ss -ltn | grep -q ':8080 ' && break
    sleep 0.1
done
ip netns exec "$NS" tcpdump -i lo -U -s 0 -w "$WORK/capture.pcap" tcp port 8080 2>"$WORK/tcpdump.log" &
CAPTURE=$!
sleep 1
ip netns exec "$NS" curl -s "${urls[@]}" >/dev/null
sleep 0.5
kill -INT "$CAPTURE"
wait "$CAPTURE" || true
CAPTURE=
cp "$WORK/capture.pcap" "$OUT"
echo "wrote $OUT"
