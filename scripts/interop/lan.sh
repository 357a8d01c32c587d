# scripts/interop/lan.sh -- recorders of the LAN chatter interop captures: DHCP and DHCPv6
# from dnsmasq to busybox's udhcpc and ISC dhclient, router advertisements from dnsmasq
# (enable-ra) and radvd asked by rdisc6, NTP between two chronyd, and NBNS, NetBIOS
# datagrams and SSDP between small python peers (scripts/interop/lan_peer.py; samba and
# gupnp-tools are too heavy a dependency for a few datagrams). Sourced by
# scripts/record-interop.sh; each rec_* function makes the captures
# scripts/interop/manifest.tsv names it for, in $STAGE.
#
# Every exchange runs between two namespaces joined by a veth (10.0.17.0/24, fd00:17::/64,
# the server .1 and the client .2); the server side is the one captured.

# lan_pair S C: the server and client namespaces on a veth, addressed as above; returns once
# both ends have their IPv6 link-local address
lan_pair() {
    local s=$1 c=$2 ns
    mkns "$s"; mkns "$c"
    veth "$s" veth0 02:00:00:00:17:01 "$c" veth0 02:00:00:00:17:02
    addr "$s" veth0 10.0.17.1/24 fd00:17::1/64
    for ns in "$s" "$c"; do
        for _ in $(seq 100); do
            ip -n "$ns" -6 addr show dev veth0 scope link | grep -q 'inet6 fe80' && break
            sleep 0.05
        done
    done
}

# 40: DHCP with dnsmasq serving and busybox udhcpc asking: DISCOVER, OFFER, REQUEST, ACK
# (the client's hostname and its parameter request list), then a RELEASE
rec_lan_dhcp() {
    local s=$NSP-s40 c=$NSP-c40 p srv
    lan_pair "$s" "$c"
    bg "$s" dnsmasq4 dnsmasq -d -k --conf-file=/dev/null --port=0 --user=root \
        --interface=veth0 --bind-interfaces --dhcp-authoritative --no-ping \
        --dhcp-range=10.0.17.100,10.0.17.150,255.255.255.0,1h \
        --dhcp-option=option:router,10.0.17.1 --dhcp-option=option:dns-server,10.0.17.1,10.0.17.53 \
        --dhcp-option=option:domain-name,lan.test \
        --dhcp-leasefile="$WORK/dnsmasq4.leases" --pid-file="$WORK/dnsmasq4.pid"
    srv=$BG_PID
    wait_listen "$s" udp 67
    log "lan-dhcp.pcap"
    cap_start "$s" "$STAGE/lan-dhcp.pcap" -i veth0 udp port 67 or udp port 68; p=$CAP_PID
    # the client's script puts the leased address on its veth, so that the RELEASE it sends
    # on SIGTERM (-R) has a source address
    printf '#!/bin/sh\n[ "$1" = bound ] && ip addr add "$ip/$mask" dev "$interface"\nexit 0\n' \
        >"$WORK/udhcpc.script"
    chmod +x "$WORK/udhcpc.script"
    bg "$c" udhcpc busybox udhcpc -i veth0 -f -n -R -t 4 -T 2 \
        -x hostname:rttscope-client -s "$WORK/udhcpc.script"
    wait_file "$WORK/log/udhcpc.err" "lease of"
    stop "$BG_PID"
    cap_stop $p
    stop "$srv"
}

# 40b: DHCP options a LAN's server hands out beyond the basics: udhcpc asks (-O) for the interface
# MTU (26), NTP servers (42), static routes (33), the domain search list (119) and classless
# static routes (121), and dnsmasq answers each from its configuration
rec_lan_dhcp_options() {
    local s=$NSP-s40b c=$NSP-c40b p srv
    lan_pair "$s" "$c"
    bg "$s" dnsmasq4o dnsmasq -d -k --conf-file=/dev/null --port=0 --user=root \
        --interface=veth0 --bind-interfaces --dhcp-authoritative --no-ping \
        --dhcp-range=10.0.17.100,10.0.17.150,255.255.255.0,1h \
        --dhcp-option=option:router,10.0.17.1 --dhcp-option=option:mtu,1400 \
        --dhcp-option=option:ntp-server,10.0.17.1,10.0.17.123 \
        --dhcp-option=option:static-route,192.168.60.0,10.0.17.1,192.168.61.0,10.0.17.254 \
        --dhcp-option=option:domain-search,lan.test,corp.lan.test,example.test \
        --dhcp-option=option:classless-static-route,0.0.0.0/0,10.0.17.1,192.168.50.0/24,10.0.17.254,10.64.0.0/10,10.0.17.253,172.16.5.128/25,10.0.17.252 \
        --dhcp-leasefile="$WORK/dnsmasq4o.leases" --pid-file="$WORK/dnsmasq4o.pid"
    srv=$BG_PID
    wait_listen "$s" udp 67
    log "lan-dhcp-options.pcap"
    cap_start "$s" "$STAGE/lan-dhcp-options.pcap" -i veth0 udp port 67 or udp port 68; p=$CAP_PID
    printf '#!/bin/sh\n[ "$1" = bound ] && ip addr add "$ip/$mask" dev "$interface"\nexit 0\n' \
        >"$WORK/udhcpc-o.script"
    chmod +x "$WORK/udhcpc-o.script"
    bg "$c" udhcpco busybox udhcpc -i veth0 -f -n -q -t 4 -T 2 \
        -O mtu -O ntpsrv -O routes -O search -O staticroutes -s "$WORK/udhcpc-o.script"
    wait_file "$WORK/log/udhcpco.err" "lease of"
    stop "$BG_PID"
    cap_stop $p
    stop "$srv"
}

# 41: DHCPv6 and router advertisements with dnsmasq (enable-ra, a stateful range) serving and
# ISC dhclient -6 asking: SOLICIT, ADVERTISE, REQUEST, REPLY, RELEASE, with the RAs between
rec_lan_dhcpv6() {
    local s=$NSP-s41 c=$NSP-c41 p srv
    lan_pair "$s" "$c"
    bg "$s" dnsmasq6 dnsmasq -d -k --conf-file=/dev/null --port=0 --user=root \
        --interface=veth0 --bind-interfaces --enable-ra \
        --dhcp-range=fd00:17::100,fd00:17::1ff,64,1h \
        --dhcp-option=option6:dns-server,[fd00:17::1] --dhcp-option=option6:domain-search,lan.test \
        --dhcp-leasefile="$WORK/dnsmasq6.leases" --pid-file="$WORK/dnsmasq6.pid"
    srv=$BG_PID
    wait_listen "$s" udp 547
    log "lan-dhcpv6.pcap"
    cap_start "$s" "$STAGE/lan-dhcpv6.pcap" -i veth0 udp port 546 or udp port 547 or icmp6; p=$CAP_PID
    run ip netns exec "$c" dhclient -6 -1 -v -sf /bin/true -lf "$WORK/dhclient6.leases" \
        -pf "$WORK/dhclient6.pid" veth0
    run ip netns exec "$c" dhclient -6 -r -v -sf /bin/true -lf "$WORK/dhclient6.leases" \
        -pf "$WORK/dhclient6.pid" veth0
    cap_stop $p
    stop "$srv"
}

# 42: router solicitation and advertisement with radvd serving and rdisc6 asking: a prefix,
# the MTU, RDNSS, DNSSL and a route
rec_lan_ra() {
    local s=$NSP-s42 c=$NSP-c42 p srv
    lan_pair "$s" "$c"
    nsx "$s" sysctl -qw net.ipv6.conf.all.forwarding=1
    cat >"$WORK/radvd.conf" <<'EOF'
interface veth0 {
    AdvSendAdvert on;
    MinRtrAdvInterval 30;
    MaxRtrAdvInterval 60;
    AdvLinkMTU 1480;
    AdvSourceLLAddress on;
    prefix fd00:17::/64 { AdvOnLink on; AdvAutonomous on; };
    route fd00:99::/48 { AdvRoutePreference high; };
    RDNSS fd00:17::1 fd00:17::53 { };
    DNSSL lan.test example.test { };
};
EOF
    bg "$s" radvd radvd -n -d 1 -C "$WORK/radvd.conf" -p "$WORK/radvd.pid" -u root
    srv=$BG_PID
    sleep 1
    log "lan-ra.pcap"
    cap_start "$s" "$STAGE/lan-ra.pcap" -i veth0 icmp6 and 'ip6[40] >= 133' and 'ip6[40] <= 136'; p=$CAP_PID
    run ip netns exec "$c" rdisc6 -1 -w 2000 veth0
    run ip netns exec "$c" ndisc6 -1 -w 2000 fd00:17::1 veth0
    cap_stop $p
    stop "$srv"
}

# 43: NTP with chronyd serving (its own clock, local stratum 8) and chronyd -q asking twice
rec_lan_ntp() {
    local s=$NSP-s43 c=$NSP-c43 p srv
    lan_pair "$s" "$c"
    addr "$c" veth0 10.0.17.2/24 fd00:17::2/64
    cat >"$WORK/chrony-server.conf" <<EOF
local stratum 8
allow all
bindaddress 10.0.17.1
bindaddress fd00:17::1
cmdport 0
pidfile $WORK/chrony-server.pid
driftfile $WORK/chrony-server.drift
EOF
    bg "$s" chronyd chronyd -d -x -U -f "$WORK/chrony-server.conf"
    srv=$BG_PID
    wait_listen "$s" udp 123
    log "lan-ntp.pcap"
    cap_start "$s" "$STAGE/lan-ntp.pcap" -i veth0 udp port 123; p=$CAP_PID
    run ip netns exec "$c" chronyd -x -U -f /dev/null -q "pidfile $WORK/chrony-c4.pid" \
        'server 10.0.17.1 iburst maxsamples 2'
    run ip netns exec "$c" chronyd -x -U -f /dev/null -q "pidfile $WORK/chrony-c6.pid" \
        'server fd00:17::1 iburst maxsamples 2'
    cap_stop $p
    stop "$srv"
}

# 44: NBNS name query and answer, node status query and answer, and a NetBIOS datagram,
# between python peers (scripts/interop/lan_peer.py) over real UDP sockets: a name query and
# its answer, a node status query and its answer, a registration of the server's own name
# (refused: the name is owned by another node) and of another name (granted), then a datagram
rec_lan_netbios() {
    local s=$NSP-s44 c=$NSP-c44 p srv
    lan_pair "$s" "$c"
    addr "$c" veth0 10.0.17.2/24 fd00:17::2/64
    bg "$s" lanpeer python3 "$INTEROP/lan_peer.py" serve 10.0.17.1 "$WORK/lanpeer-ready"
    srv=$BG_PID
    wait_file "$WORK/lanpeer-ready" ready
    log "lan-netbios.pcap"
    cap_start "$s" "$STAGE/lan-netbios.pcap" -i veth0 udp port 137 or udp port 138; p=$CAP_PID
    run ip netns exec "$c" python3 "$INTEROP/lan_peer.py" netbios 10.0.17.1
    cap_stop $p
    stop "$srv"
}

# 45: SSDP (HTTP over UDP, port 1900) between python peers (scripts/interop/lan_peer.py;
# gupnp-tools' gssdp-discover brings GTK with it): an M-SEARCH and the device's
# `HTTP/1.1 200 OK` answer, then a NOTIFY ssdp:alive
rec_lan_ssdp() {
    local s=$NSP-s45 c=$NSP-c45 p srv
    lan_pair "$s" "$c"
    addr "$c" veth0 10.0.17.2/24 fd00:17::2/64
    bg "$s" lanpeer-ssdp python3 "$INTEROP/lan_peer.py" serve 10.0.17.1 "$WORK/lanpeer-ssdp-ready"
    srv=$BG_PID
    wait_file "$WORK/lanpeer-ssdp-ready" ready
    log "lan-ssdp.pcap"
    cap_start "$s" "$STAGE/lan-ssdp.pcap" -i veth0 udp port 1900; p=$CAP_PID
    run ip netns exec "$c" python3 "$INTEROP/lan_peer.py" ssdp 10.0.17.1
    cap_stop $p
    stop "$srv"
}

# 46: SOCKS4a granted (here rather than in proxy.sh, whose helpers it uses: the part of issue
# 17 that reads it owns this file): curl --socks4a through a small python SOCKS4a proxy
# (scripts/interop/socks4a_server.py; Dante refuses SOCKS4a names, microsocks speaks SOCKS5
# only) to `openssl s_server -HTTP`, TLS 1.3: a name the proxy resolves, then one it cannot
rec_proxy_socks4a() {
    local c=$NSP-c46 p=$NSP-p46 s=$NSP-s46 cap keys=$STAGE/proxy-socks4a.keys pki=$WORK/pki2048
    local tls=(--cacert "$pki/ca.pem" --tlsv1.3)
    make_pki "$pki" 2048 self
    proxy_line "$c" "$p" "$s" 46 47
    ossl_server "$s" proxy-socks4a-server -HTTP -cert "$pki/leaf.pem" -key "$pki/leaf.key"
    proxy_bg "$p" socks4a python3 "$INTEROP/socks4a_server.py" 10.0.46.2 1080 "$WORK/socks4a-ready"
    local proxy=$BG_PID
    wait_file "$WORK/socks4a-ready" ready
    : >"$keys"
    log "proxy-socks4a.pcap"
    cap_start "$c" "$STAGE/proxy-socks4a.pcap" -i veth0; cap=$CAP_PID
    pcurl "$c" "$keys" --socks4a 10.0.46.2:1080 "${tls[@]}" https://server.test/hello.txt
    run_fail_ok ip netns exec "$c" "${PCURL[@]}" --socks4a 10.0.46.2:1080 https://nowhere.test/
    cap_stop $cap
    stop "$proxy" "$SRV_PID"
}
