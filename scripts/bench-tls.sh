#!/usr/bin/env bash
# TLS decryption speed and memory against tshark, both given the same NSS key log.
#
#   sudo scripts/bench-tls.sh [SIZE_MB]   (default 100; needs hyperfine, tshark, tcpdump, openssl,
#                                          curl, ethtool, iproute2, python3 and GNU time)
#
# Unless bench-data/ already holds them, records two captures of one HTTPS download of SIZE_MB
# (10^6 bytes) of random bytes, with curl's key log beside each (bench-data/NAME.pcap, NAME.keys):
#   tls13-SIZE: TLS 1.3, TLS_AES_128_GCM_SHA256;  tls12-SIZE: TLS 1.2, ECDHE-RSA-AES128-GCM-SHA256.
# `openssl s_server -HTTP` serves the file to `curl -k` on loopback inside a network namespace
# that this script creates and deletes (lo with MTU 1500 and offloads off, so segments look like
# wire segments; server and client pinned to one CPU, so the capture keeps the sending order), and
# `tcpdump --immediate-mode -w` records it there. A recording is kept only if tcpdump dropped
# nothing and tshark, with the key log, sees the whole transfer (the 200 response with its
# Content-Length, no lost or out-of-order segment, no frame over 1514 bytes); else it is retried.
#
# Then builds the release binary and times with hyperfine, on each capture: rttscope and tshark
# with the key log (text, and `-T fields -e tls.record.content_type -e http.response.code`),
# rttscope without it (text and the same fields), and tshark without the key log and with it but
# `-o http.desegment_body:FALSE` (rttscope keeps at most 4 MiB of an HTTP message and passes over
# the rest of a larger body; tshark puts the whole body together). Measures peak RSS with /usr/bin/time -v, and compares the two tools'
# `-T fields -e frame.number -e tls.record.content_type -e tls.record.length -e http.response.code`
# output with the key log (kept in bench-data/NAME.{rttscope,tshark}.fields). The summary goes to
# standard output and to bench-data/bench-tls-SIZE.txt; hyperfine's reports to standard error.
#
# rttscope's decryption throughput is the TLS application data in the capture (the lengths of the
# records tshark decrypts to content type 23) divided by (time with key log - time without), from
# the means as asked, and from medians, minima and user+sys CPU times, which a noisy machine
# makes worth a look; `openssl speed -evp aes-128-gcm` gives the scale of what the cipher costs.
#
# Environment: RUNS (rttscope runs of each command, default 100, made in ROUNDS hyperfine calls,
# default 20, so that slow and fast spells of the machine fall on all commands alike),
# TSHARK_RUNS (default 3), TSHARK_WARMUP (tshark warm-up runs, default 1), BENCH_TLS_KEEP=1 keeps
# the work directory of a recording.
#
# Safety, as in scripts/record-interop.sh: traffic only flows over the loopback device of a network
# namespace this script creates (deleted on any exit); sysctls are never written; every process it
# starts for a recording is in that namespace and is killed by pid before the namespace goes.
set -euo pipefail

case "${1:-}" in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
esac
cd "$(dirname "$0")/.."

size=${1:-100}
[[ $size =~ ^[1-9][0-9]*$ ]] || { echo "bench-tls: SIZE_MB must be a positive integer" >&2; exit 2; }
runs=${RUNS:-100}
rounds=${ROUNDS:-20}
for n in "$runs" "$rounds" "${TSHARK_RUNS:-3}"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench-tls: RUNS, ROUNDS, TSHARK_RUNS must be positive" >&2; exit 2; }
done
(( rounds <= runs )) || rounds=$runs
per_round=$(( (runs + rounds - 1) / rounds ))
tshark_runs=${TSHARK_RUNS:-3}
tshark_warmup=${TSHARK_WARMUP:-1}
bytes=$((size * 1000000))
CAPS=("tls13-$size" "tls12-$size")

die() { echo "bench-tls: error: $*" >&2; exit 1; }
log() { echo "bench-tls: $*" >&2; }

for tool in hyperfine tshark tcpdump openssl curl ethtool ip ss python3 cargo timeout; do
    command -v "$tool" >/dev/null || die "missing '$tool'"
done
if [[ ! -x /usr/bin/time ]]; then
    log "installing GNU time"
    apt-get install -y -qq time >/dev/null || die "missing /usr/bin/time (apt-get install time)"
fi

mkdir -p bench-data
export LC_ALL=C

# ---------------------------------------------------------------------------
# bookkeeping and cleanup
# ---------------------------------------------------------------------------
WORK=$(mktemp -d /tmp/rttscope-bench-tls.XXXXXX)
NS=""                       # the namespace, once created

cleanup() {
    local rc=$? pid
    set +e
    trap - EXIT INT TERM
    # background jobs of this shell still running (unreaped, so never a reused pid)
    for pid in $(jobs -pr); do kill -TERM "$pid" 2>/dev/null; done
    if [[ -n $NS ]]; then
        sleep 0.2
        # anything still running inside our namespace was started by us
        for pid in $(ip netns pids "$NS" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    fi
    wait 2>/dev/null
    [[ -n $NS ]] && ip netns del "$NS" 2>/dev/null
    if [[ -n ${BENCH_TLS_KEEP:-} ]]; then
        echo "bench-tls: work directory kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
    [[ $rc -eq 0 ]] || echo "bench-tls: FAILED (exit $rc)" >&2
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

nsx() { ip netns exec "$NS" "$@"; }

# wait until something listens on TCP PORT in the namespace
wait_listen() {
    for _ in $(seq 100); do
        nsx ss -Hltn "sport = :$1" | grep -q . && return 0
        sleep 0.05
    done
    die "nothing listening on tcp/$1: $(cat "$WORK"/*.err 2>/dev/null)"
}

# wait until FILE contains PATTERN
wait_file() {
    for _ in $(seq 100); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    die "timed out waiting for '$2' in $1: $(cat "$1" 2>/dev/null)"
}

# the namespace: only lo, MTU 1500, segmentation and checksum offloads off
make_ns() {
    [[ $(id -u) -eq 0 ]] || die "recording needs root (network namespace, capture): sudo $0 $size"
    NS="rtb$$"
    ip netns add "$NS"
    ip -n "$NS" link set lo mtu 1500
    nsx ethtool -K lo tx off tso off gso off gro off >/dev/null 2>&1 || true
    ip -n "$NS" link set lo up
    # a self-signed RSA certificate (the TLS 1.2 suite is ECDHE-RSA)
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
        -days 30 -subj /CN=server.test -addext subjectAltName=DNS:server.test 2>"$WORK/pki.err" ||
        die "certificate: $(tail -3 "$WORK/pki.err")"
    # s_server -HTTP serves a file holding the whole response, headers included
    mkdir -p "$WORK/www"
    {
        printf 'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n'
        printf 'Content-Length: %d\r\nConnection: close\r\n\r\n' "$bytes"
        head -c "$bytes" /dev/urandom
    } >"$WORK/www/big.bin"
}

# record_once NAME CAP KEYS SERVER-TLS-ARGS -- CURL-TLS-ARGS: one download, captured on lo into
# CAP; fails (status 1) if the capture is not whole, dies on anything else
record_once() {
    local name=$1 cap=$2 keys=$3 srv=() cli=()
    shift 3
    while [[ $1 != -- ]]; do srv+=("$1"); shift; done
    shift
    cli=("$@")
    # Server and client run on one CPU: loopback then sends, receives and taps every packet on
    # that CPU, so the capture keeps the order the packets were sent in (on two CPUs segments
    # sent from process context and from softirq context may be tapped out of order, which
    # tshark reports as "previous segment not captured").
    # Both are started with ip netns exec itself (no shell function in between), so that $! is
    # the process that execs into the server, and tcpdump gets the SIGINT sent to it below.
    ip netns exec "$NS" taskset -c 0 env -C "$WORK/www" openssl s_server -accept 443 -naccept 1 \
        -HTTP -quiet -cert "$WORK/cert.pem" -key "$WORK/key.pem" "${srv[@]}" \
        >"$WORK/$name-server.out" 2>"$WORK/$name-server.err" &
    local srv_pid=$!
    wait_listen 443
    # in immediate mode the ring has one snaplen-sized slot per frame: 2048-byte slots (frames
    # are <= 1514 bytes, checked below) in 256 MiB make ~130000 slots
    rm -f "$WORK/$name-tcpdump.err"
    ip netns exec "$NS" tcpdump --immediate-mode -U -n -Z root -i lo -s 2048 -B 262144 -w "$cap" \
        'tcp port 443' 2>"$WORK/$name-tcpdump.err" &
    local cap_pid=$!
    wait_file "$WORK/$name-tcpdump.err" "listening on"
    sleep 0.3
    : >"$keys"
    local got
    got=$(timeout 300 ip netns exec "$NS" taskset -c 0 env SSLKEYLOGFILE="$keys" curl -sS -k \
        --noproxy '*' --resolve server.test:443:127.0.0.1 "${cli[@]}" -o /dev/null \
        -w '%{http_code} %{size_download}' https://server.test/big.bin) ||
        die "curl failed ($got): $(cat "$WORK/$name-server.err")"
    [[ $got == "200 $bytes" ]] || die "curl got '$got', want '200 $bytes'"
    sleep 0.5
    kill -INT "$cap_pid"
    wait "$cap_pid" || die "tcpdump failed: $(cat "$WORK/$name-tcpdump.err")"
    kill -TERM "$srv_pid" 2>/dev/null || true
    wait "$srv_pid" 2>/dev/null || true
    [[ -s $keys ]] || die "curl wrote no key log"
    sed -n 's/^/bench-tls:   tcpdump: /p' "$WORK/$name-tcpdump.err" | grep -v 'listening on' >&2
    if ! grep -q '^0 packets dropped by kernel' "$WORK/$name-tcpdump.err"; then
        log "  the capture lost packets"
        return 1
    fi

    # tshark, with the key log, must see the whole transfer
    log "  checking $name.pcap with tshark"
    tshark -n -r "$cap" -o "tls.keylog_file:$keys" -T fields -E separator=/t \
        -Y 'http.response.code || tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment || tcp.analysis.out_of_order || frame.len > 1514 || frame.cap_len < frame.len' \
        -e frame.number -e http.response.code -e http.content_length -e frame.len \
        -e tcp.analysis.lost_segment -e tcp.analysis.ack_lost_segment -e tcp.analysis.out_of_order \
        >"$WORK/$name.check" 2>"$WORK/$name.check.err" || die "tshark: $(tail -3 "$WORK/$name.check.err")"
    python3 - "$WORK/$name.check" "$bytes" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
want = sys.argv[2]
ok = [r for r in rows if r[1] == "200" and r[2] == want and not any(r[4:])]
bad = [r for r in rows if r not in ok]
for r in bad[:10]:
    print("bench-tls:   unexpected (frame, code, Content-Length, len, lost, ack_lost, out_of_order):",
          r, file=sys.stderr)
if len(ok) != 1 or bad:
    print(f"bench-tls:   want exactly one 200 response with Content-Length {want} and nothing else;"
          f" {len(bad)} unexpected frames", file=sys.stderr)
    sys.exit(1)
print(f"bench-tls:   tshark: HTTP 200, Content-Length {want} in frame {ok[0][0]}; no lost or"
      " out-of-order segment, no frame over 1514 bytes", file=sys.stderr)
PY
}

# record NAME SERVER-TLS-ARGS -- CURL-TLS-ARGS: record_once, up to 3 times, then install the
# capture and its key log in bench-data/
record() {
    local name=$1 cap=$WORK/$1.pcap keys=$WORK/$1.keys try
    shift
    [[ -n $NS ]] || make_ns
    for try in 1 2 3; do
        log "recording $name.pcap ($size MB, try $try)"
        if record_once "$name" "$cap" "$keys" "$@"; then
            cp "$keys" "bench-data/$name.keys.tmp"
            cp "$cap" "bench-data/$name.pcap.tmp"
            mv -f "bench-data/$name.keys.tmp" "bench-data/$name.keys"
            mv -f "bench-data/$name.pcap.tmp" "bench-data/$name.pcap"
            return 0
        fi
    done
    die "$name: no whole capture in 3 tries"
}

have() { [[ -s bench-data/$1.pcap && -s bench-data/$1.keys ]]; }
have "tls13-$size" || record "tls13-$size" -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256 -- \
    --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256
have "tls12-$size" || record "tls12-$size" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -- \
    --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256
if [[ -n $NS ]]; then
    ip netns del "$NS"
    NS=""
fi

# ---------------------------------------------------------------------------
# benchmark
# ---------------------------------------------------------------------------
cargo build --release --quiet --bin rttscope
bin=./target/release/rttscope
ct_fields="-T fields -e tls.record.content_type -e http.response.code"
check_fields=(-T fields -e frame.number -e tls.record.content_type -e tls.record.length -e http.response.code)

# peak resident set size in KB of a command (its output discarded)
peak() {
    /usr/bin/time -v "$@" >/dev/null 2>"$WORK/time.err" || die "$* failed: $(tail -3 "$WORK/time.err")"
    sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$WORK/time.err"
}

# what AES-128-GCM costs on this machine, for scale: best of three one-second openssl runs
for _ in 1 2 3; do
    openssl speed -evp aes-128-gcm -seconds 1 -bytes 16384 2>/dev/null | awk '/^AES-128-GCM/ {print $2}'
done >"$WORK/aes-gcm"

for name in "${CAPS[@]}"; do
    cap=bench-data/$name.pcap
    keys=bench-data/$name.keys
    log "$name: correctness (fields with the key log, both tools)"
    "$bin" dissect "$cap" --keylog "$keys" "${check_fields[@]}" >"bench-data/$name.rttscope.fields"
    tshark -n -r "$cap" -o "tls.keylog_file:$keys" "${check_fields[@]}" \
        >"bench-data/$name.tshark.fields" 2>/dev/null
    # rttscope's runs go in rounds, each a short hyperfine over the four commands, so that the
    # machine's slow and fast spells fall on all of them alike; the summary merges the rounds
    log "$name: hyperfine, rttscope ($rounds rounds of $per_round runs, reports in bench-data/$name.rttscope-hyperfine.log)"
    : >"bench-data/$name.rttscope-hyperfine.log"
    for ((round = 1; round <= rounds; round++)); do
        hyperfine --warmup 1 --runs "$per_round" --export-json "$WORK/$name.rttscope.$round.json" \
            --style basic \
            -n rttscope-keylog "$bin dissect $cap --keylog $keys > /dev/null" \
            -n rttscope-nokeylog "$bin dissect $cap > /dev/null" \
            -n rttscope-fields-keylog "$bin dissect $cap --keylog $keys $ct_fields > /dev/null" \
            -n rttscope-fields-nokeylog "$bin dissect $cap $ct_fields > /dev/null" >>"bench-data/$name.rttscope-hyperfine.log"
    done
    # tshark also without the key log, and with the key log but without reassembling the
    # HTTP body (rttscope keeps at most 4 MiB of an HTTP message and passes over the rest of a
    # larger body; tshark puts the whole 100 MB body together)
    log "$name: hyperfine, tshark ($tshark_runs runs)"
    hyperfine --warmup "$tshark_warmup" --runs "$tshark_runs" --export-json "$WORK/$name.tshark.json" \
        --style basic \
        -n tshark-keylog "tshark -n -r $cap -o tls.keylog_file:$keys > /dev/null 2>&1" \
        -n tshark-fields-keylog "tshark -n -r $cap -o tls.keylog_file:$keys $ct_fields > /dev/null 2>&1" \
        -n tshark-keylog-nobody \
        "tshark -n -r $cap -o tls.keylog_file:$keys -o http.desegment_body:FALSE > /dev/null 2>&1" \
        -n tshark-nokeylog "tshark -n -r $cap > /dev/null 2>&1" >&2
    log "$name: peak RSS (/usr/bin/time -v, key log, text output)"
    echo "$(peak "$bin" dissect "$cap" --keylog "$keys") $(peak tshark -n -r "$cap" -o "tls.keylog_file:$keys")" \
        >"$WORK/$name.rss"
    "$bin" dissect "$cap" -T fields -e frame.number | wc -l >"$WORK/$name.packets"
done

commit="$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
[[ -z $(git status --porcelain --untracked-files=no -- src Cargo.toml Cargo.lock 2>/dev/null) ]] ||
    commit="$commit + uncommitted changes to src/ or Cargo files"
python3 - "$WORK" "$commit" "${CAPS[@]}" <<'PY' | tee "bench-data/bench-tls-$size.txt"
import glob, json, os, statistics, sys
work, commit, caps = sys.argv[1], sys.argv[2], sys.argv[3:]
MB = 1e6
SUITES = {"tls13": "TLS 1.3, TLS_AES_128_GCM_SHA256", "tls12": "TLS 1.2, ECDHE-RSA-AES128-GCM-SHA256"}
LABELS = [
    ("rttscope-keylog", "rttscope --keylog"),
    ("rttscope-nokeylog", "rttscope"),
    ("rttscope-fields-keylog", "rttscope --keylog -T fields"),
    ("rttscope-fields-nokeylog", "rttscope -T fields"),
    ("tshark-keylog", "tshark keylog"),
    ("tshark-fields-keylog", "tshark keylog -T fields"),
    ("tshark-keylog-nobody", "tshark keylog, desegment_body:FALSE"),
    ("tshark-nokeylog", "tshark"),
]
aes = [float(x.rstrip("k")) * 1000 / MB for x in open(f"{work}/aes-gcm").read().split()]

def app_bytes(path):
    """Bytes of TLS records of content type 23 (decrypted application data) in a fields file
    of frame.number, tls.record.content_type, tls.record.length, http.response.code."""
    total = records = 0
    for line in open(path):
        cols = line.rstrip("\n").split("\t")
        if len(cols) < 3 or not cols[1]:
            continue
        for t, n in zip(cols[1].split(","), cols[2].split(",")):
            if t == "23":
                total += int(n)
                records += 1
    return total, records

def codes(path):
    return [c for line in open(path) for c in line.rstrip("\n").split("\t")[3:4] if c]

def rate(data, t1, t0):
    return f"{data / MB / (t1 - t0):7.0f}" if t1 > t0 else "    n/a"

print(f"rttscope at {commit}")
if aes:
    print(f"AES-128-GCM on this machine (openssl speed -evp aes-128-gcm, 16 KiB blocks, 3 x 1 s): "
          f"best {max(aes):.0f} MB/s, worst {min(aes):.0f} MB/s")
for name in caps:
    cap = f"bench-data/{name}.pcap"
    runs = {}
    for path in sorted(glob.glob(f"{work}/{name}.rttscope.*.json")) + [f"{work}/{name}.tshark.json"]:
        for r in json.load(open(path))["results"]:
            runs.setdefault(r["command"], []).append(r)
    res = {}
    for cmd, parts in runs.items():
        times = [t for r in parts for t in r["times"]]
        # hyperfine gives user and system time as means per hyperfine call
        cpu = sum((r["user"] + r["system"]) * len(r["times"]) for r in parts) / len(times)
        res[cmd] = {"mean": statistics.mean(times), "stddev": statistics.stdev(times) if len(times) > 1 else 0.0,
                    "median": statistics.median(times), "min": min(times), "cpu": cpu, "times": times}
    size = os.path.getsize(cap)
    packets = int(open(f"{work}/{name}.packets").read())
    rss_r, rss_t = open(f"{work}/{name}.rss").read().split()
    ref, ours = f"bench-data/{name}.tshark.fields", f"bench-data/{name}.rttscope.fields"
    app, nrec = app_bytes(ref)
    app_ours, nrec_ours = app_bytes(ours)
    a, b = open(ours).read().splitlines(), open(ref).read().splitlines()
    diff = [i for i in range(max(len(a), len(b)))
            if (a[i] if i < len(a) else None) != (b[i] if i < len(b) else None)]

    print(f"\n== {name} ({SUITES.get(name.split('-')[0], '?')}): {size / MB:.1f} MB ({size} bytes), "
          f"{packets} packets")
    print(f"   TLS application data: {app} bytes in {nrec} records (tshark), "
          f"{app_ours} bytes in {nrec_ours} records (rttscope)")
    print(f"   {'command':<36} {'mean':>8} {'± σ':>7} {'median':>8} {'min':>8} {'user+sys':>9}  runs")
    for cmd, label in LABELS:
        r = res[cmd]
        print(f"   {label:<36} {r['mean']:8.3f} {r['stddev']:7.3f} {r['median']:8.3f} {r['min']:8.3f} "
              f"{r['cpu']:9.3f}  {len(r['times'])}")
    m = {cmd: r["mean"] for cmd, r in res.items()}
    print(f"   tshark/rttscope (means), key log: text {m['tshark-keylog'] / m['rttscope-keylog']:.1f}x, "
          f"fields {m['tshark-fields-keylog'] / m['rttscope-fields-keylog']:.1f}x; "
          f"text, tshark without HTTP body reassembly {m['tshark-keylog-nobody'] / m['rttscope-keylog']:.1f}x; "
          f"no key log, text {m['tshark-nokeylog'] / m['rttscope-nokeylog']:.1f}x")
    print("   rttscope decryption, MB/s = application data / (time with key log - time without):")
    for label, k, n in (("text", "rttscope-keylog", "rttscope-nokeylog"),
                        ("fields", "rttscope-fields-keylog", "rttscope-fields-nokeylog")):
        rk, rn = res[k], res[n]
        d = rk["mean"] - rn["mean"]
        se = (rk["stddev"] ** 2 / len(rk["times"]) + rn["stddev"] ** 2 / len(rn["times"])) ** 0.5
        lo = f"{app / MB / (d + 2 * se):.0f}"
        hi = f"{app / MB / (d - 2 * se):.0f}" if d > 2 * se else "inf"
        print(f"     {label:<6}  by mean {rate(app, rk['mean'], rn['mean'])}  ({lo} .. {hi} for the difference"
              f" {1000 * d:.1f} ± {2000 * se:.1f} ms, 2 standard errors)")
        print(f"             by median {rate(app, rk['median'], rn['median'])}   by min {rate(app, rk['min'], rn['min'])}"
              f"   by user+sys CPU {rate(app, rk['cpu'], rn['cpu'])}")
    print(f"   capture MB/s with key log: rttscope {size / MB / m['rttscope-keylog']:.0f} (text), "
          f"{size / MB / m['rttscope-fields-keylog']:.0f} (fields); tshark {size / MB / m['tshark-keylog']:.1f} (text), "
          f"{size / MB / m['tshark-fields-keylog']:.1f} (fields)")
    print(f"   peak RSS with key log (text): rttscope {int(rss_r) / 1024:.0f} MiB, tshark {int(rss_t) / 1024:.0f} MiB")
    if not diff:
        print(f"   -T fields -e frame.number -e tls.record.content_type -e tls.record.length -e http.response.code"
              f" with key log: identical, {len(a)} lines")
    else:
        print(f"   -T fields -e frame.number -e tls.record.content_type -e tls.record.length -e http.response.code"
              f" with key log: DIFFER on {len(diff)} of {max(len(a), len(b))} lines; first (rttscope | tshark):")
        for i in diff[:5]:
            print(f"     {a[i] if i < len(a) else '<none>'!r} | {b[i] if i < len(b) else '<none>'!r}")
    print(f"   http.response.code values: rttscope {codes(ours)}, tshark {codes(ref)}")
PY
