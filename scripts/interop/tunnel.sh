# scripts/interop/tunnel.sh -- recorder of the tunnel interop capture. Sourced by
# scripts/record-interop.sh; each rec_* function makes the captures
# scripts/interop/manifest.tsv names it for, in $STAGE, with the client's key log beside it.
#
# Only VXLAN is recorded here: this kernel has the `vxlan` device but no GRE, Geneve, ERSPAN,
# IP-in-IP or MPLS module, so those captures are crafted from a recorded one instead
# (scripts/make-encapsulated.py, scripts/make-tunnelled.py, under fixtures/crafted/).

# 50: VXLAN between two namespaces: a veth underlay (10.0.50.0/24), the kernel's own vxlan
# device on each end (VNI 4242, UDP port 4789) as the overlay (10.50.0.0/24, IPv4 only, MTU
# 1450), and over it a ping, an HTTP GET to python3 http.server on port 8080 and curl's
# TLS 1.3 GET to openssl s_server, with curl's key log. Captured on the client's underlay
# veth: every overlay frame is seen inside its outer Ethernet, IPv4, UDP and VXLAN headers.
rec_vxlan() {
    local c=$NSP-c50 s=$NSP-s50 p ns n keys=$STAGE/vxlan-tls13.keys pki=$WORK/pki2048
    local tls=(--tlsv1.3 --cacert "$pki/ca.pem" --resolve 'server.test:443:10.50.0.2')
    make_pki "$pki" 2048 self
    tls_pair "$c" "$s" 50
    for n in 1 2; do
        ns=$c; [[ $n == 2 ]] && ns=$s
        ip -n "$ns" link add vxlan0 address "02:00:00:00:50:b$n" type vxlan id 4242 \
            local "10.0.50.$n" remote "10.0.50.$((3 - n))" dstport 4789 dev veth0
        nsx "$ns" sysctl -qw net.ipv6.conf.vxlan0.disable_ipv6=1
        nsx "$ns" ethtool -K vxlan0 tx off tso off gso off gro off >/dev/null 2>&1 || true
        ip -n "$ns" link set vxlan0 up
        addr "$ns" vxlan0 "10.50.0.$n/24"
    done
    sleep 0.3
    : >"$keys"
    log "vxlan-tls13.pcap"
    cap_start "$c" "$STAGE/vxlan-tls13.pcap" -i veth0 udp port 4789; p=$CAP_PID
    run ip netns exec "$c" ping -n -c 2 -i 0.2 10.50.0.2
    bg "$s" vxlan-http python3 -m http.server 8080 --bind 10.50.0.2 --directory "$WORK/www"
    local http_pid=$BG_PID
    wait_listen "$s" tcp 8080
    run ip netns exec "$c" "${CURL[@]}" http://10.50.0.2:8080/hello.txt
    stop "$http_pid"
    ossl_server "$s" vxlan-tls13 -tls1_3 -HTTP -cert "$pki/leaf.pem" -key "$pki/leaf.key"
    tcurl "$c" "$keys" "${tls[@]}" https://server.test/hello.txt
    stop "$SRV_PID"
    cap_stop $p
}
