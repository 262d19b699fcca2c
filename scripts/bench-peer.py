#!/usr/bin/env python3
"""The benchmark's peer: what a user would write instead of ovpn6-lint, in plain Python.

    scripts/bench-peer.py DIR

Walks DIR (every `.ovpn` and `.conf`, no ignore files), reads each file line by line, skips
comments and inline blocks, and makes the three headline checks with the `ipaddress` module:
a client without `ifconfig-ipv6`, a tunnel address outside 100::/64 and fc00::/7, and
`route-ipv6` lines that leave part of 2000::/3 uncovered. Single threaded, standard library
only. It reads far less carefully than OpenVPN (no quotes, no line limits, no includes); it is
the floor a linter has to beat by a wide margin to be worth installing. Exit status 1 when it
found something, as the linter.
"""

import ipaddress
import os
import sys

REQUIRED = ipaddress.ip_network("2000::/3")
TUNNEL_RANGES = [ipaddress.ip_network("100::/64"), ipaddress.ip_network("fc00::/7")]


def check(path):
    """The findings for one file, as lines to print."""
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    tunnel, routes, client, block = None, [], False, None
    for line in text.splitlines():
        words = line.split()
        if block:
            if line.strip().startswith(f"</{block}>"):
                block = None
            continue
        if not words or words[0][0] in "#;":
            continue
        name = words[0]
        if len(words) == 1 and name.startswith("<") and name.endswith(">"):
            block = name[1:-1]
            continue
        if name in ("client", "pull"):
            client = True
        elif name == "ifconfig-ipv6" and len(words) >= 3:
            tunnel = words[1:3]
        elif name == "route-ipv6" and len(words) >= 2:
            network = words[1] if "/" in words[1] else words[1] + "/64"
            try:
                routes.append(ipaddress.ip_network(network, strict=False))
            except ValueError:
                pass
    if not client:
        return []
    found = []
    if tunnel is None:
        found.append(f"{path}: missing ifconfig-ipv6")
    else:
        for address in tunnel:
            try:
                ip = ipaddress.ip_address(address.split("/")[0])
            except ValueError:
                continue
            if not any(ip in allowed for allowed in TUNNEL_RANGES):
                found.append(f"{path}: tunnel address {address} out of range")
    uncovered = [REQUIRED]
    for route in routes:
        if route.version != 6:
            continue
        rest = []
        for prefix in uncovered:
            if prefix.subnet_of(route):
                continue
            rest += prefix.address_exclude(route) if route.subnet_of(prefix) else [prefix]
        uncovered = rest
    if uncovered:
        found.append(f"{path}: routes leave {', '.join(map(str, uncovered[:3]))} uncovered")
    return found


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    found = 0
    for root, _, names in os.walk(sys.argv[1]):
        for name in names:
            if name.endswith((".ovpn", ".conf")):
                for finding in check(os.path.join(root, name)):
                    print(finding)
                    found += 1
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
