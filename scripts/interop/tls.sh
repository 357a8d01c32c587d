# scripts/interop/tls.sh -- recorders of the TLS and HTTP/2 interop captures, and the
# certificates they use (made at record time, kept nowhere but in the captures). Sourced by
# scripts/record-interop.sh; each rec_* function makes the captures
# scripts/interop/manifest.tsv names it for, in $STAGE, with the clients' key log beside each.
#
# Every TLS server is server.test on TCP port 443 (80 for cleartext HTTP/2) in
# the server namespace of a client/server veth pair; curl is pointed at it with
# --resolve, so the ClientHello carries SNI. Key logs are written by the
# clients only (one NSS key log line per secret) and concatenated per capture.
# The helper programs are scripts/interop/tls_server.py, tls_client.py and
# tfo_tls_server.py; the OpenSSL configuration of every certificate is
# scripts/interop/pki.cnf. The fixed request s_client sends and the responses
# s_server -HTTP serves are written by payloads.py (req-hello.txt, www-http/).

# make_pki DIR BITS [self]: RSA keys of BITS bits, made now: a CA (ca.pem,
# ca.key), a server.test certificate signed by it (leaf.pem, leaf.key) and,
# with "self", a self-signed server.test certificate (self.pem, self.key);
# does nothing if DIR exists
make_pki() {
    local d=$1 bits=$2 err=$WORK/log/pki.err
    [[ -d $d ]] && return 0
    mkdir -p "$d"
    openssl req -config "$INTEROP/pki.cnf" -x509 -extensions ca_ext -newkey "rsa:$bits" -nodes \
        -keyout "$d/ca.key" -out "$d/ca.pem" -days 3650 -subj "/CN=rttscope interop CA" 2>>"$err" ||
        die "CA certificate: $(tail -3 "$err")"
    openssl req -config "$INTEROP/pki.cnf" -new -newkey "rsa:$bits" -nodes \
        -keyout "$d/leaf.key" -out "$d/leaf.csr" -subj "/CN=server.test" 2>>"$err" ||
        die "server key: $(tail -3 "$err")"
    openssl x509 -req -in "$d/leaf.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -set_serial 2 -days 3650 \
        -extfile "$INTEROP/pki.cnf" -extensions leaf_ext -out "$d/leaf.pem" 2>>"$err" ||
        die "server certificate: $(tail -3 "$err")"
    [[ ${3:-} == self ]] || return 0
    openssl req -config "$INTEROP/pki.cnf" -x509 -extensions leaf_ext -newkey "rsa:$bits" -nodes \
        -keyout "$d/self.key" -out "$d/self.pem" -days 3650 -subj "/CN=server.test" 2>>"$err" ||
        die "self-signed certificate: $(tail -3 "$err")"
}

# make_chain DIR BITS: in a PKI made by make_pki, an intermediate CA signed by
# the CA (int.pem, int.key) and a server.test certificate signed by the
# intermediate (ileaf.pem, ileaf.key), RSA keys of BITS bits made now;
# ichain.pem is that leaf followed by the intermediate, the chain a server
# sends; does nothing if it exists
make_chain() {
    local d=$1 bits=$2 err=$WORK/log/pki.err
    [[ -e $d/ichain.pem ]] && return 0
    openssl req -config "$INTEROP/pki.cnf" -new -newkey "rsa:$bits" -nodes \
        -keyout "$d/int.key" -out "$d/int.csr" -subj "/CN=rttscope interop intermediate CA" 2>>"$err" ||
        die "intermediate key: $(tail -3 "$err")"
    openssl x509 -req -in "$d/int.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -set_serial 3 -days 3650 \
        -extfile "$INTEROP/pki.cnf" -extensions int_ext -out "$d/int.pem" 2>>"$err" ||
        die "intermediate certificate: $(tail -3 "$err")"
    openssl req -config "$INTEROP/pki.cnf" -new -newkey "rsa:$bits" -nodes \
        -keyout "$d/ileaf.key" -out "$d/ileaf.csr" -subj "/CN=server.test" 2>>"$err" ||
        die "server key: $(tail -3 "$err")"
    openssl x509 -req -in "$d/ileaf.csr" -CA "$d/int.pem" -CAkey "$d/int.key" -set_serial 4 -days 3650 \
        -extfile "$INTEROP/pki.cnf" -extensions leaf_ext -out "$d/ileaf.pem" 2>>"$err" ||
        die "server certificate: $(tail -3 "$err")"
    cat "$d/ileaf.pem" "$d/int.pem" >"$d/ichain.pem"
}

# tls_pair C S N: client and server namespaces joined by a veth (MTU 1500,
# offloads off), 10.0.N.1 / fd00:N::1 for the client, 10.0.N.2 / fd00:N::2
# for the server
tls_pair() {
    local c=$1 s=$2 n=$3
    mkns "$c"; mkns "$s"
    veth "$c" veth0 "02:00:00:00:$n:01" "$s" veth0 "02:00:00:00:$n:02"
    addr "$c" veth0 "10.0.$n.1/24" "fd00:$n::1/64"
    addr "$s" veth0 "10.0.$n.2/24" "fd00:$n::2/64"
    sleep 0.3
}

# ossl_server NS NAME OPENSSL-S_SERVER-ARGS...: openssl s_server on port 443
# in the www-http directory (-HTTP is among the arguments where wanted); waits
# until it listens and leaves its pid in SRV_PID
ossl_server() {
    local ns=$1 name=$2; shift 2
    bg "$ns" "$name" env -C "$WORK/www-http" openssl s_server -accept 443 "$@"
    SRV_PID=$BG_PID
    wait_listen "$ns" tcp 443
}

# tcurl NS KEYLOG CURL-ARGS...: curl with its TLS secrets appended to KEYLOG
tcurl() {
    local ns=$1 keys=$2; shift 2
    run ip netns exec "$ns" env SSLKEYLOGFILE="$keys" "${CURL[@]}" "$@"
}


# 11: TLS 1.2 between curl and openssl s_server, one connection per cipher
# suite: AEAD (AES-GCM, ChaCha20-Poly1305), CBC with encrypt-then-MAC (the
# default), CBC without it (s_client -no_etm), and RSA key exchange
TLS12_CIPHERS="ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305 ECDHE-RSA-AES128-SHA ECDHE-RSA-AES256-SHA384 AES128-SHA256"
rec_tls12() {
    local c=$NSP-c20 s=$NSP-s20 p cipher keys=$STAGE/tls12-openssl.keys pki=$WORK/pki2048
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 20
    ossl_server "$s" tls12-server -tls1_2 -HTTP -cert "$pki/leaf.pem" -key "$pki/leaf.key"
    : >"$keys"
    log "tls12-openssl.pcap"
    cap_start "$c" "$STAGE/tls12-openssl.pcap" -i veth0; p=$CAP_PID
    for cipher in $TLS12_CIPHERS; do
        tcurl "$c" "$keys" --tlsv1.2 --tls-max 1.2 --ciphers "$cipher" --cacert "$pki/ca.pem" \
            --resolve server.test:443:10.0.20.2 https://server.test/hello.txt
    done
    # MAC-then-encrypt CBC: s_client without the encrypt_then_mac extension;
    # -ign_eof makes it wait for the response and the server's close
    run ip netns exec "$c" openssl s_client -connect 10.0.20.2:443 -servername server.test \
        -tls1_2 -cipher ECDHE-RSA-AES128-SHA -no_etm -CAfile "$pki/ca.pem" -verify_return_error \
        -keylogfile "$keys" -ign_eof <"$WORK/req-hello.txt"
    cap_stop $p
    stop "$SRV_PID"
}

# 12: TLS 1.3 between curl and openssl s_server: each cipher suite (one over
# IPv6), a HelloRetryRequest, and a certificate curl rejects (alert)
rec_tls13() {
    local c=$NSP-c21 s=$NSP-s21 p keys=$STAGE/tls13-openssl.keys pki=$WORK/pki2048
    local tls=(--tlsv1.3 --cacert "$pki/ca.pem" --resolve 'server.test:443:10.0.21.2,[fd00:21::2]')
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 21
    : >"$keys"
    log "tls13-openssl.pcap"
    cap_start "$c" "$STAGE/tls13-openssl.pcap" -i veth0; p=$CAP_PID
    ossl_server "$s" tls13-server -tls1_3 -HTTP -cert "$pki/leaf.pem" -key "$pki/leaf.key"
    tcurl "$c" "$keys" "${tls[@]}" -4 --tls13-ciphers TLS_AES_128_GCM_SHA256 https://server.test/hello.txt
    tcurl "$c" "$keys" "${tls[@]}" -4 --tls13-ciphers TLS_AES_256_GCM_SHA384 https://server.test/hello.txt
    tcurl "$c" "$keys" "${tls[@]}" -6 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 https://server.test/hello.txt
    stop "$SRV_PID"
    # the server knows only P-384; curl's first (and only) key share is X25519
    ossl_server "$s" tls13-hrr -tls1_3 -HTTP -groups P-384 -cert "$pki/leaf.pem" -key "$pki/leaf.key"
    tcurl "$c" "$keys" "${tls[@]}" -4 https://server.test/hello.txt
    stop "$SRV_PID"
    # a self-signed certificate: curl aborts the handshake with an alert
    ossl_server "$s" tls13-self -tls1_3 -HTTP -cert "$pki/self.pem" -key "$pki/self.key"
    if timeout 20 ip netns exec "$c" env SSLKEYLOGFILE="$keys" "${CURL[@]}" "${tls[@]}" -4 \
            https://server.test/hello.txt >>"$WORK/log/clients.out" 2>&1; then
        die "curl accepted a self-signed certificate"
    fi
    stop "$SRV_PID"
    cap_stop $p
}

# 13: TLS 1.3 early data with openssl s_client: a ticket, then a resumption
# whose request is sent as early data and accepted; the same against a server
# that advertises early data in its tickets but does not read it, so it is
# rejected and s_client sends the request again after the handshake
rec_tls13_0rtt() {
    local c=$NSP-c22 s=$NSP-s22 p pki=$WORK/pki2048 keys=$STAGE/tls13-0rtt.keys
    local srv_in=$WORK/0rtt-server.in cli_in=$WORK/0rtt-client.in srv_out=$WORK/log/0rtt-server.out
    local cli_out=$WORK/log/0rtt-client.out step cpid
    local sc=(openssl s_client -connect 10.0.22.2:443 -servername server.test -CAfile "$pki/ca.pem"
              -verify_return_error)
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 22
    mkfifo "$srv_in" "$cli_in"
    # both FIFOs are held open read-write by this shell (fd 7: the server's
    # input, fd 8: the client's): writing never blocks, and a reader sees the
    # end of its input only when this shell closes the descriptor. Children
    # are started with both closed, so that they hold no writer themselves.
    exec 7<>"$srv_in"
    : >"$keys"
    log "tls13-0rtt.pcap"
    cap_start "$c" "$STAGE/tls13-0rtt.pcap" -i veth0; p=$CAP_PID
    # s_server without -HTTP (which excludes -early_data) prints what it reads
    # and sends what it is given on its standard input
    ip netns exec "$s" openssl s_server -accept 443 -cert "$pki/leaf.pem" -key "$pki/leaf.key" \
        -early_data <"$srv_in" >"$srv_out" 2>"$WORK/log/0rtt-server.err" 7>&- &
    SRV_PID=$!
    wait_listen "$s" tcp 443
    for step in ticket early; do
        exec 8<>"$cli_in"
        if [[ $step == ticket ]]; then
            ip netns exec "$c" "${sc[@]}" -sess_out "$WORK/0rtt-a.sess" -keylogfile "$keys" \
                <"$cli_in" >"$cli_out" 2>&1 7>&- 8>&- &
            cpid=$!
            cat "$WORK/req-hello.txt" >&8
            wait_count "$srv_out" '^GET /hello.txt' 1
        else
            ip netns exec "$c" "${sc[@]}" -sess_in "$WORK/0rtt-a.sess" -early_data "$WORK/req-hello.txt" \
                -keylogfile "$keys" <"$cli_in" >"$cli_out" 2>&1 7>&- 8>&- &
            cpid=$!
            wait_count "$srv_out" '^GET /hello.txt' 2
        fi
        cat "$WORK/www-http/hello.txt" >&7
        wait_file "$cli_out" "rttscope interop fixture"
        if [[ $step == ticket ]]; then wait_file "$WORK/0rtt-a.sess" "END SSL SESSION"; fi
        exec 8>&-                       # end of input: s_client sends close_notify
        wait "$cpid" || die "s_client ($step) failed: $(tail -5 "$cli_out")"
        cat "$cli_out" >>"$WORK/log/clients.out"
    done
    grep -q "Early data was accepted" "$cli_out" || die "early data was not accepted: $(cat "$cli_out")"
    stop "$SRV_PID"
    exec 7>&-
    ossl_server "$s" 0rtt-reject -HTTP -max_early_data 16384 -cert "$pki/leaf.pem" -key "$pki/leaf.key"
    run ip netns exec "$c" "${sc[@]}" -sess_out "$WORK/0rtt-b.sess" -keylogfile "$keys" -ign_eof \
        <"$WORK/req-hello.txt"
    # the request again on standard input: sent after the handshake, when
    # the early data has been rejected
    # shellcheck disable=SC2094  # both only read the file
    run ip netns exec "$c" "${sc[@]}" -sess_in "$WORK/0rtt-b.sess" -early_data "$WORK/req-hello.txt" \
        -keylogfile "$keys" -ign_eof <"$WORK/req-hello.txt"
    grep -q "Early data was rejected" "$WORK/log/last.out" ||
        die "early data was not rejected: $(cat "$WORK/log/last.out")"
    stop "$SRV_PID"
    cap_stop $p
}

# 14: Python's ssl module on both sides: TLS 1.3 full and resumed (over IPv6),
# TLS 1.2 full and resumed (session ticket)
rec_tls_python() {
    local c=$NSP-c23 s=$NSP-s23 p pki=$WORK/pki2048 keys=$STAGE/tls-python.keys
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 23
    bg "$s" pytls python3 "$INTEROP/tls_server.py" 443 "$pki/leaf.pem" "$pki/leaf.key" "$WORK/www" 4 \
        "$WORK/pytls-ready"
    SRV_PID=$BG_PID
    wait_file "$WORK/pytls-ready" ready
    log "tls-python.pcap"
    cap_start "$c" "$STAGE/tls-python.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" python3 "$INTEROP/tls_client.py" "$pki/ca.pem" "$WORK/py12.keys" "$WORK/py13.keys" \
        1.3 10.0.23.2 /hello.txt new   1.3 fd00:23::2 /second.txt resume \
        1.2 10.0.23.2 /hello.txt new   1.2 10.0.23.2 /second.txt resume
    cap_stop $p
    wait "$SRV_PID" || die "python TLS server failed: $(tail -5 "$WORK/log/pytls.err")"
    cat "$WORK/py13.keys" "$WORK/py12.keys" >"$keys"
}

# 15: 4096-bit RSA certificate chain (leaf and CA sent by the server): the
# Certificate message spans more than one TCP segment; TLS 1.2 and TLS 1.3
# with curl
rec_rsa4096() {
    local c=$NSP-c24 s=$NSP-s24 p pki=$WORK/pki4096 keys=$STAGE/tls-rsa4096.keys
    local tls=(--cacert "$pki/ca.pem" --resolve server.test:443:10.0.24.2)
    make_pki "$pki" 4096
    tls_pair "$c" "$s" 24
    ossl_server "$s" rsa4096 -HTTP -cert "$pki/leaf.pem" -key "$pki/leaf.key" -cert_chain "$pki/ca.pem"
    : >"$keys"
    log "tls-rsa4096.pcap"
    cap_start "$c" "$STAGE/tls-rsa4096.pcap" -i veth0; p=$CAP_PID
    tcurl "$c" "$keys" "${tls[@]}" --tlsv1.2 --tls-max 1.2 https://server.test/hello.txt
    tcurl "$c" "$keys" "${tls[@]}" --tlsv1.3 https://server.test/hello.txt
    cap_stop $p
    stop "$SRV_PID"
}

# 16: HTTP/2 with nghttpd: over TLS (ALPN h2), two files on one connection;
# then cleartext with prior knowledge: curl once per file (curl 7.88 fails
# on reusing a prior-knowledge connection, curl issue 10634), and nghttp with
# both files as concurrent streams on one connection
rec_h2() {
    local c=$NSP-c25 s=$NSP-s25 p pki=$WORK/pki2048 keys=$STAGE/h2-tls.keys
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 25
    bg "$s" nghttpd-tls nghttpd -d "$WORK/www" 443 "$pki/leaf.key" "$pki/leaf.pem"
    SRV_PID=$BG_PID
    wait_listen "$s" tcp 443
    : >"$keys"
    log "h2-tls.pcap"
    cap_start "$c" "$STAGE/h2-tls.pcap" -i veth0; p=$CAP_PID
    tcurl "$c" "$keys" --http2 --cacert "$pki/ca.pem" --resolve server.test:443:10.0.25.2 \
        -o /dev/null https://server.test/hello.txt https://server.test/second.txt
    cap_stop $p
    stop "$SRV_PID"
    bg "$s" nghttpd-h2c nghttpd --no-tls -d "$WORK/www" 80
    SRV_PID=$BG_PID
    wait_listen "$s" tcp 80
    log "h2c.pcap"
    cap_start "$c" "$STAGE/h2c.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" "${CURL[@]}" --http2-prior-knowledge http://10.0.25.2/hello.txt
    run ip netns exec "$c" "${CURL[@]}" --http2-prior-knowledge http://10.0.25.2/second.txt
    run ip netns exec "$c" nghttp -n http://10.0.25.2/hello.txt http://10.0.25.2/second.txt
    cap_stop $p
    stop "$SRV_PID"
}

# 17: HTTPS over TCP Fast Open: curl --tcp-fastopen (TLS 1.3) against the
# Python TFO server with a self-signed server.test certificate, twice per
# address, IPv4 then IPv6: the first connection's SYN asks for a cookie, the
# second sends the cookie and the ClientHello in its SYN
rec_tfo_tls13() {
    local c=$NSP-c26 s=$NSP-s26 p pki=$WORK/pki2048 keys=$STAGE/tfo-tls13.keys a n
    local srv_out=$WORK/log/tfotls.out
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 26
    nsx "$c" sysctl -qw net.ipv4.tcp_fastopen=3
    nsx "$s" sysctl -qw net.ipv4.tcp_fastopen=3
    # A client slow to ACK under load must not make a tail-loss probe resend the server's FIN:
    # the checks want this capture free of retransmissions.
    nsx "$s" sysctl -qw net.ipv4.tcp_early_retrans=0
    bg "$s" tfotls python3 "$INTEROP/tfo_tls_server.py" 443 "$pki/self.pem" "$pki/self.key" 4 \
        "$WORK/tfotls-ready"
    SRV_PID=$BG_PID
    wait_file "$WORK/tfotls-ready" ready
    : >"$keys"
    log "tfo-tls13.pcap"
    cap_start "$c" "$STAGE/tfo-tls13.pcap" -i veth0; p=$CAP_PID
    for a in 10.0.26.2 10.0.26.2 '[fd00:26::2]' '[fd00:26::2]'; do
        tcurl "$c" "$keys" --tcp-fastopen -k --tlsv1.3 --resolve "server.test:443:$a" \
            https://server.test/hello.txt
    done
    cap_stop $p
    wait "$SRV_PID" || die "TFO TLS server failed: $(tail -5 "$WORK/log/tfotls.err")"
    cat "$srv_out" >>"$WORK/log/clients.out"
    # the server's view: which connections' SYN data the kernel took
    n=$(grep -c 'syn_data=1' "$srv_out" || true)
    log "tfo-tls13.pcap: the server accepted $n of 4 connections with data from the SYN"
    (( n == 2 )) || log "tfo-tls13.pcap: WARNING: want 2; server says: $(tr '\n' ';' <"$srv_out")"
}

# ossl_tls12_get CAPTURE N CIPHER: one GET of /hello.txt over TLS 1.2 with the
# suite CIPHER (an OpenSSL cipher string) from openssl s_client to s_server -HTTP,
# on a pair of namespaces of their own (10.0.N.0/24), the client's key log beside
# the capture
ossl_tls12_get() {
    local name=$1 n=$2 cipher=$3 c=$NSP-c$(($2 + 10)) s=$NSP-s$(($2 + 10)) p pki=$WORK/pki2048
    local keys=$STAGE/${name%.pcap}.keys
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" "$n"
    ossl_server "$s" "${name%.pcap}" -tls1_2 -HTTP -cipher "$cipher" \
        -cert "$pki/leaf.pem" -key "$pki/leaf.key"
    : >"$keys"
    log "$name"
    cap_start "$c" "$STAGE/$name" -i veth0; p=$CAP_PID
    run ip netns exec "$c" openssl s_client -connect "10.0.$n.2:443" -servername server.test \
        -tls1_2 -cipher "$cipher" -CAfile "$pki/ca.pem" -verify_return_error \
        -keylogfile "$keys" -ign_eof <"$WORK/req-hello.txt"
    cap_stop $p
    stop "$SRV_PID"
}

# 13 (issue 17): TLS 1.2 with a NULL cipher suite (TLS_RSA_WITH_NULL_SHA256,
# allowed only at security level 0): after ChangeCipherSpec the records are
# MACed but not encrypted, so the Finished messages and the HTTP request and
# response are plaintext on the wire
rec_tls_null() {
    ossl_tls12_get tls12-null-openssl.pcap 72 'NULL-SHA256:@SECLEVEL=0'
}

# 13b (issue 16): TLS 1.2 with a finite-field Diffie-Hellman suite
# (TLS_DHE_RSA_WITH_AES_128_GCM_SHA256): the ServerKeyExchange carries the
# group's p and g and the server's public value, the ClientKeyExchange the client's
rec_tls_dhe() {
    ossl_tls12_get tls12-dhe-openssl.pcap 74 'DHE-RSA-AES128-GCM-SHA256'
}

# 14 (issue 17): TLS picked up mid-stream, as a capture started late sees it:
# two connections to openssl s_server -HTTP (a 4096-bit RSA leaf and its CA
# sent, so the server's first flight spans segments), each a GET of a
# 24 kB file, recorded whole and then cut (editcap) so that the TLS 1.2 one
# begins with the client's ClientKeyExchange, ChangeCipherSpec and encrypted
# Finished (its hellos never seen) and the TLS 1.3 one with the request; mergecap
# puts them one after the other. (A cut inside a record, where tshark shows
# "Continuation Data" on port 443, is not recorded: rttscope does not follow it.)
rec_tls_midstream() {
    local c=$NSP-c83 s=$NSP-s83 p pki=$WORK/pki4096 keys=$STAGE/tls-midstream.keys
    local whole first cut
    make_pki "$pki" 4096
    tls_pair "$c" "$s" 73
    python3 - "$WORK/www-http/big.txt" <<'PY'
import sys
line = b"rttscope interop fixture: a body long enough to span many TLS records\n"
body = line * (24 * 1024 // len(line))
open(sys.argv[1], "wb").write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                              b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
PY
    ossl_server "$s" tls-midstream -HTTP -cert "$pki/leaf.pem" -key "$pki/leaf.key" -cert_chain "$pki/ca.pem"
    : >"$keys"
    log "tls-midstream.pcap"
    for v in 1.2 1.3; do
        whole=$WORK/midstream-$v.pcap
        cap_start "$c" "$whole" -i veth0; p=$CAP_PID
        tcurl "$c" "$keys" --tlsv$v --tls-max $v --cacert "$pki/ca.pem" \
            --resolve server.test:443:10.0.73.2 -o /dev/null https://server.test/big.txt
        cap_stop $p
        # keep from a segment that starts a record: the TLS 1.2 client's
        # ClientKeyExchange, the TLS 1.3 client's request (its third segment with
        # data, after the ClientHello and its Finished)
        if [[ $v == 1.2 ]]; then
            first=$(tshark -r "$whole" -Y 'tls.handshake.type == 16' -T fields -e frame.number | head -1)
        else
            first=$(tshark -r "$whole" -Y 'tcp.dstport == 443 && tcp.len > 0' -T fields -e frame.number | sed -n 3p)
        fi
        [[ $first =~ ^[0-9]+$ ]] || die "no place to cut $whole"
        editcap -r "$whole" "$WORK/midstream-$v-cut.pcap" "$first-1000000" >/dev/null
    done
    stop "$SRV_PID"
    mergecap -a -F pcap -w "$STAGE/tls-midstream.pcap" "$WORK/midstream-1.2-cut.pcap" "$WORK/midstream-1.3-cut.pcap"
}
