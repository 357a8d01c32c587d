#!/usr/bin/env python3
"""Reads an `rttscope export` directory as an analyst would, with DuckDB and one glob per
table, and checks every plain TCP and UDP packet's Community ID against the reference
implementation (the `communityid` package from PyPI).

Prints one JSON object: how many captures and packets the glob found, how many packets point
at a connection the connections table does not hold, how many Community IDs were checked and
which differed. Packets with nested IP headers (tunnels, ICMP errors) and ICMP are left out of
the check: the table keeps the outer protocol number and no ICMP type.

Usage: check-export.py DIR   (with duckdb and communityid installed; .ci/run pins both)
"""
import json
import sys

import communityid
import duckdb


def main():
    out = sys.argv[1]
    con = duckdb.connect()
    packets = f"read_parquet('{out}/packets/*/*.parquet', hive_partitioning = true)"
    connections = f"read_parquet('{out}/connections/*/*.parquet', hive_partitioning = true)"
    captures = con.execute(f"select count(distinct capture) from {packets}").fetchone()[0]
    total = con.execute(f"select count(*) from {packets}").fetchone()[0]
    unjoined = con.execute(
        f"select count(*) from {packets} p left join {connections} c "
        "on p.capture = c.capture and p.conn_id = c.conn_id "
        "where p.conn_id is not null and c.conn_id is null"
    ).fetchone()[0]
    rows = con.execute(
        "select capture, frame_number, coalesce(ip_src, ipv6_src), coalesce(ip_dst, ipv6_dst), "
        "tcp_srcport, tcp_dstport, udp_srcport, udp_dstport, community_id "
        f"from {packets} where community_id is not null"
    ).fetchall()
    reference = communityid.CommunityID()
    checked = 0
    differences = []
    for capture, frame, src, dst, tsrc, tdst, usrc, udst, ours in rows:
        if src is None or "," in src or "," in dst:
            continue
        if tsrc is not None and usrc is None:
            flow = communityid.FlowTuple.make_tcp(src, dst, tsrc, tdst)
        elif usrc is not None and tsrc is None:
            flow = communityid.FlowTuple.make_udp(src, dst, usrc, udst)
        else:
            continue
        theirs = reference.calc(flow)
        checked += 1
        if theirs != ours:
            differences.append({"capture": capture, "frame": frame, "ours": ours, "reference": theirs})
    print(json.dumps({
        "captures": captures,
        "packets": total,
        "unjoined_packets": unjoined,
        "community_ids_checked": checked,
        "community_id_differences": differences[:20],
    }))


if __name__ == "__main__":
    main()
