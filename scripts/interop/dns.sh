# scripts/interop/dns.sh -- recorders of the DNS interop captures. Sourced by
# scripts/record-interop.sh; each rec_* function makes the captures
# scripts/interop/manifest.tsv names it for, in $STAGE.
#
# The server is unbound in the server namespace of a client/server veth pair
# (10.0.53.1 / fd00:53::1 the client, 10.0.53.2 / fd00:53::2 the server),
# authoritative for the local zone example.test (every record type the
# captures show is in its local-data), recursion to nowhere. The clients are
# dig (BIND) and kdig (Knot): UDP, TCP, EDNS and none, an NXDOMAIN, and DNS
# over TLS on port 853 with kdig's GnuTLS key log (SSLKEYLOGFILE).
# mDNS and LLMNR need a multicast responder (avahi, systemd-resolved) too heavy
# for these namespaces: scripts/make-dns-fixtures.py crafts them instead.

# dns_unbound_conf FILE PKI: unbound's configuration, in FILE
dns_unbound_conf() {
    local pki=$2
    cat >"$1" <<CONF
server:
    interface: 10.0.53.2
    interface: fd00:53::2
    interface: 10.0.53.2@853
    tls-port: 853
    tls-service-key: "$pki/leaf.key"
    tls-service-pem: "$pki/leaf.pem"
    port: 53
    do-daemonize: no
    username: ""
    chroot: ""
    directory: ""
    pidfile: ""
    use-syslog: no
    logfile: ""
    access-control: 10.0.53.0/24 allow
    access-control: fd00:53::/64 allow
    module-config: "iterator"
    qname-minimisation: no
    local-zone: "example.test." static
    local-data: "example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 2026120501 7200 3600 1209600 300"
    local-data: "example.test. 3600 IN NS ns1.example.test."
    local-data: "ns1.example.test. 3600 IN A 10.0.53.2"
    local-data: "example.test. 300 IN MX 10 mail.example.test."
    local-data: 'example.test. 300 IN TXT "v=spf1 -all" "rttscope interop"'
    local-data: "example.test. 300 IN HTTPS 1 . alpn=h2,h3 port=443 ipv4hint=10.0.53.2 ipv6hint=fd00:53::2"
    local-data: "www.example.test. 300 IN A 10.0.53.2"
    local-data: "www.example.test. 300 IN AAAA fd00:53::2"
    local-data: "alias.example.test. 300 IN CNAME www.example.test."
    local-data: "_https._tcp.example.test. 300 IN SRV 0 5 443 www.example.test."
    local-data: "mail.example.test. 300 IN A 10.0.53.25"
CONF
}

# unbound on the server, waiting until it answers on UDP, TCP and TLS; its pid
# is left in SRV_PID
dns_unbound() {
    local s=$1 pki=$2 conf=$WORK/unbound.conf
    dns_unbound_conf "$conf" "$pki"
    bg "$s" unbound unbound -d -c "$conf"
    SRV_PID=$BG_PID
    wait_listen "$s" udp 53
    wait_listen "$s" tcp 53
    wait_listen "$s" tcp 853
}

# 53: dig and kdig against unbound: UDP (EDNS, without EDNS, IPv6), TCP, and
# DNS over TLS
rec_dns() {
    local c=$NSP-c53 s=$NSP-s53 p pki=$WORK/pki2048 keys=$STAGE/dns-tls-unbound.keys
    local dig=(dig +nocookie +tries=1 +time=3 @10.0.53.2)
    make_pki "$pki" 2048
    tls_pair "$c" "$s" 53
    dns_unbound "$s" "$pki"
    log "dns-unbound.pcap"
    cap_start "$c" "$STAGE/dns-unbound.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" "${dig[@]}" www.example.test A
    run ip netns exec "$c" "${dig[@]}" www.example.test AAAA
    run ip netns exec "$c" "${dig[@]}" alias.example.test A
    run ip netns exec "$c" "${dig[@]}" example.test MX
    run ip netns exec "$c" "${dig[@]}" example.test TXT
    run ip netns exec "$c" "${dig[@]}" _https._tcp.example.test SRV
    run ip netns exec "$c" "${dig[@]}" example.test SOA
    run ip netns exec "$c" "${dig[@]}" example.test NS
    run ip netns exec "$c" "${dig[@]}" example.test HTTPS
    run ip netns exec "$c" "${dig[@]}" nothing.example.test A
    run ip netns exec "$c" "${dig[@]}" +noedns www.example.test A
    run ip netns exec "$c" dig +nocookie +tries=1 +time=3 @fd00:53::2 www.example.test AAAA
    run ip netns exec "$c" "${dig[@]}" +tcp www.example.test A
    run ip netns exec "$c" kdig +tcp @10.0.53.2 example.test MX
    cap_stop $p
    log "dns-tls-unbound.pcap"
    : >"$keys"
    cap_start "$c" "$STAGE/dns-tls-unbound.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" env SSLKEYLOGFILE="$keys" kdig +tls +tls-ca="$pki/ca.pem" +tls-hostname=server.test \
        @10.0.53.2 www.example.test A
    run ip netns exec "$c" env SSLKEYLOGFILE="$keys" kdig +tls +tls-ca="$pki/ca.pem" +tls-hostname=server.test \
        @10.0.53.2 example.test HTTPS
    cap_stop $p
    stop "$SRV_PID"
}

# 54: a lookup is part of the handshake: curl resolves a name through dnsmasq (in the server
# namespace, 10.0.54.2, serving server.test A 10.0.54.3 and web.server.test as a CNAME of it;
# dnsmasq puts the alias and the address in one answer, which unbound's local-data does not),
# then fetches over HTTPS from openssl s_server and over plain HTTP from python3 http.server,
# both on 10.0.54.3. curl's resolver reads a resolv.conf of the run's own, bind-mounted over
# /etc/resolv.conf in a mount namespace of curl alone (the host's /etc is never written).
rec_dns_lookup() {
    local c=$NSP-c54 s=$NSP-s54 p pki=$WORK/pki2048 keys=$STAGE/dns-lookup-curl.keys dns http
    local resolv=$WORK/resolv-c54.conf
    make_pki "$pki" 2048
    tls_pair "$c" "$s" 54
    addr "$s" veth0 10.0.54.3/24
    bg "$s" dnsmasq54 dnsmasq -d -k --conf-file=/dev/null --no-resolv --no-hosts --user=root \
        --listen-address=10.0.54.2 --bind-interfaces --port=53 --pid-file="$WORK/dnsmasq54.pid" \
        --host-record=server.test,10.0.54.3 --cname=web.server.test,server.test
    dns=$BG_PID
    wait_listen "$s" udp 53
    ossl_server "$s" dns-lookup-https -HTTP -cert "$pki/leaf.pem" -key "$pki/leaf.key"
    bg "$s" dns-lookup-http python3 -m http.server 80 --bind 10.0.54.3 --directory "$WORK/www"
    http=$BG_PID
    wait_listen "$s" tcp 80
    printf 'nameserver 10.0.54.2\noptions timeout:2 attempts:1\n' >"$resolv"
    : >"$keys"
    log "dns-lookup-curl.pcap"
    cap_start "$c" "$STAGE/dns-lookup-curl.pcap" -i veth0; p=$CAP_PID
    local resolved=(unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$resolv")
    run ip netns exec "$c" env SSLKEYLOGFILE="$keys" "${resolved[@]}" "${CURL[@]}" --tlsv1.3 \
        --cacert "$pki/ca.pem" https://server.test/hello.txt
    run ip netns exec "$c" "${resolved[@]}" "${CURL[@]}" http://web.server.test/hello.txt
    cap_stop $p
    stop "$http" "$SRV_PID" "$dns"
}

# 55: DNS over TCP whose messages do not fall on segment boundaries: on a link of MTU 576,
# kdig +tcp asks unbound for a TXT set of about 4 KB (the response spans several segments),
# then scripts/interop/dns_tcp_client.py pipelines queries (three in one segment; one cut in
# two, its second part carrying the start of the next query)
rec_dns_tcp() {
    local c=$NSP-c55 s=$NSP-s55 p conf=$WORK/unbound-55.conf i
    tls_pair "$c" "$s" 55
    ip -n "$c" link set veth0 mtu 576
    ip -n "$s" link set veth0 mtu 576
    {
        printf 'server:\n    interface: 10.0.55.2\n    port: 53\n    do-daemonize: no\n'
        printf '    username: ""\n    chroot: ""\n    directory: ""\n    pidfile: ""\n'
        printf '    use-syslog: no\n    logfile: ""\n    access-control: 10.0.55.0/24 allow\n'
        printf '    module-config: "iterator"\n    local-zone: "example.test." static\n'
        printf '    local-data: "www.example.test. 300 IN A 10.0.55.2"\n'
        printf '    local-data: '\''small.example.test. 300 IN TXT "a short answer"'\''\n'
        for i in $(seq -w 1 24); do
            printf '    local-data: '\''big.example.test. 300 IN TXT "record %s: %s"'\''\n' "$i" \
                "$(printf 'rttscope interop, a TXT set larger than one segment. %.0s' 1 2 3)"
        done
    } >"$conf"
    bg "$s" unbound55 unbound -d -c "$conf"
    SRV_PID=$BG_PID
    wait_listen "$s" tcp 53
    log "dns-tcp-segments.pcap"
    cap_start "$c" "$STAGE/dns-tcp-segments.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" kdig +tcp @10.0.55.2 big.example.test TXT
    run ip netns exec "$c" python3 "$INTEROP/dns_tcp_client.py" 10.0.55.2 \
        small.example.test big.example.test www.example.test
    cap_stop $p
    stop "$SRV_PID"
}

# 56: DNS over TLS whose messages do not fall on record boundaries: unbound as in rec_dns (on
# 10.0.56.2), scripts/interop/dot_split_client.py writing a query's length and its body in
# two records, a query in three records whose middle one also begins the next query, and
# two queries in one record, with Python's key log
rec_dns_tls_split() {
    local c=$NSP-c56 s=$NSP-s56 p pki=$WORK/pki2048 keys=$STAGE/dns-tls-split.keys conf=$WORK/unbound-56.conf
    make_pki "$pki" 2048
    tls_pair "$c" "$s" 56
    dns_unbound_conf "$conf" "$pki"
    sed -i -e 's/10\.0\.53\./10.0.56./g' -e 's/fd00:53::/fd00:56::/g' "$conf"
    bg "$s" unbound56 unbound -d -c "$conf"
    SRV_PID=$BG_PID
    wait_listen "$s" tcp 853
    : >"$keys"
    log "dns-tls-split.pcap"
    cap_start "$c" "$STAGE/dns-tls-split.pcap" -i veth0; p=$CAP_PID
    run ip netns exec "$c" python3 "$INTEROP/dot_split_client.py" 10.0.56.2 "$pki/ca.pem" server.test \
        "$keys" example.test www.example.test
    cap_stop $p
    stop "$SRV_PID"
}
