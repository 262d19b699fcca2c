#!/usr/bin/env python3
"""Generates the benchmark data for `scripts/bench`, deterministically (fixed seed).

    scripts/bench-gen.py BASE_DIR

writes, under BASE_DIR:

  repo/                 a git repository of 10,000 OpenVPN profiles (about 9,900 client
                        profiles, 100 server `.conf`s) in region/team/env/... folders, plus a
                        `.gitignore`, files it ignores, and non-OpenVPN files (README.md,
                        nginx.conf)
  routes-100000.ovpn    one profile with 100,000 distinct `route-ipv6` lines (plus a few
  routes-200000.ovpn    duplicates and contained routes), and one with 200,000
  manifest.json         what the benchmark needs to know about the data
  STAMP                 the generator version; `scripts/bench` regenerates when it differs

Same seed and version, same bytes. Only the Python standard library is used.
"""

import base64
import json
import os
import random
import subprocess
import sys

VERSION = 2
SEED = 0x0FF6
PROFILES = 10_000
SERVERS = 100
ROUTE_SIZES = (100_000, 200_000)
STAMP = f"ovpn6-bench-gen v{VERSION} seed={SEED:#x} profiles={PROFILES} routes={','.join(map(str, ROUTE_SIZES))}\n"

REGIONS = [
    "us-east-1", "us-east-2", "us-west-2", "eu-west-1",
    "eu-central-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1",
]
TEAMS = [
    "platform", "payments", "data", "mobile", "sre",
    "security", "analytics", "identity", "search", "support",
]
ENVS = ["prod", "staging", "dev"]
FIRST = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
    "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yara",
]
LAST = [
    "smith", "jones", "garcia", "muller", "rossi", "tanaka", "kim", "silva", "novak", "dubois",
    "okafor", "larsen", "costa", "ivanova", "nguyen", "haddad",
]
PROVIDERS = {
    "northwind-vpn": ["de", "nl", "se", "ch", "us", "ca", "jp", "sg"],
    "contoso-secure": ["uk", "fr", "es", "it", "au", "br"],
}
CITIES = [
    "frankfurt", "amsterdam", "stockholm", "zurich", "newyork", "toronto", "tokyo", "singapore",
    "london", "paris", "madrid", "milan", "sydney", "saopaulo", "chicago", "dallas",
]


def pem(rng, label, size):
    """A PEM-looking block: `size` random bytes as 64-character base64 lines."""
    body = base64.b64encode(rng.randbytes(size)).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return [f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]


def static_key(rng):
    lines = [rng.randbytes(16).hex() for _ in range(16)]
    return [
        "#",
        "# 2048 bit OpenVPN static key",
        "#",
        "-----BEGIN OpenVPN Static key V1-----",
        *lines,
        "-----END OpenVPN Static key V1-----",
    ]


class Endpoints:
    """A few Client VPN endpoints per region/team/env, each with its own CA (shared by profiles)."""

    def __init__(self, rng):
        self.rng = rng
        self.cache = {}

    def get(self, region, team, env):
        key = (region, team, env)
        if key not in self.cache:
            rng = self.rng
            self.cache[key] = [
                {
                    "host": f"cvpn-endpoint-{rng.randbytes(9).hex()[:17]}.prod.clientvpn.{region}.amazonaws.com",
                    "proto": rng.choice(["udp", "udp", "udp", "tcp"]),
                    "ca": pem(rng, "CERTIFICATE", 880),  # about 1.2 KB of PEM
                }
                for _ in range(rng.choice([1, 1, 2]))
            ]
        return self.rng.choice(self.cache[key])


def aws_profile(rng, endpoint, variant, who):
    """An AWS Client VPN export. variant: leaky | clean | guide | clean-late | pushed."""
    lines = []
    commented = rng.random() < 0.25
    if commented:
        lines += [
            "# Managed by terraform (module vpn-client-config); edits are overwritten.",
            f"# Owner: {who}",
            "",
        ]
    lines += [
        "client",
        "dev tun",
        f"proto {endpoint['proto']}",
        f"remote {endpoint['host']} 443",
        "remote-random-hostname",
        "resolv-retry infinite",
        "nobind",
        "remote-cert-tls server",
        "cipher AES-256-GCM",
        "verb 3",
    ]
    if rng.random() < 0.05:
        lines.append("auth-user-pass")
    ipv6 = []
    if variant in ("clean", "clean-late"):
        ipv6 = ["ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1", "route-ipv6 2000::/3"]
    elif variant == "guide":
        ipv6 = ["ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1", "route-ipv6 2000::/4"]
    elif variant == "leaky" and commented and rng.random() < 0.3:
        ipv6 = ["# TODO(ipv6): add ifconfig-ipv6 and route-ipv6, see the AWS guide", "#route-ipv6 2000::/3"]
    if ipv6 and commented and variant != "leaky":
        lines.append("# IPv6: keep all global unicast in the tunnel (AWS Client VPN routes no IPv6)")
    if variant != "clean-late":
        lines += ipv6
    lines += ["<ca>", *endpoint["ca"], "</ca>", ""]
    lines += ["<cert>", *pem(rng, "CERTIFICATE", 900), "</cert>", ""]
    lines += ["<key>", *pem(rng, "PRIVATE KEY", 1218), "</key>", ""]
    lines.append("reneg-sec 0")
    if variant == "clean-late":
        lines += ipv6
    return lines


def provider_profile(rng, provider, country, city, n):
    """A commercial-provider style profile with tls-auth."""
    lines = [
        f"# {provider} - {city} #{n}",
        "client",
        "dev tun",
        f"proto {rng.choice(['udp', 'tcp'])}",
        f"remote {country}-{city}-{n}.{provider}.example.net {rng.choice([1194, 443, 1195])}",
        "resolv-retry infinite",
        "nobind",
        "persist-key",
        "persist-tun",
        "remote-cert-tls server",
        "auth SHA512",
        "data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305",
        "tls-client",
        "verb 3",
    ]
    kind = rng.random()
    if kind < 0.35:
        lines += ["redirect-gateway def1 ipv6", "block-ipv6"]
    elif kind < 0.55:
        lines += ["pull-filter ignore \"route-ipv6\"", "pull-filter ignore \"ifconfig-ipv6\""]
    elif kind < 0.75:
        lines += ["ifconfig-ipv6 fd00:6:6::2 fd00:6:6::1", "route-ipv6 ::/1", "route-ipv6 8000::/1"]
    # else: leaky, IPv4 only.
    lines += ["key-direction 1", "<ca>", *pem(rng, "CERTIFICATE", 1400), "</ca>"]
    lines += ["<tls-auth>", *static_key(rng), "</tls-auth>"]
    return lines


def server_conf(rng, region, n):
    lines = [
        f"# OpenVPN server {region}-{n}",
        f"port {rng.choice([1194, 443])}",
        f"proto {rng.choice(['udp', 'tcp'])}",
        "dev tun",
        "ca ca.crt",
        "cert server.crt",
        "key server.key",
        "dh none",
        "topology subnet",
        f"server 10.{rng.randrange(256)}.{rng.randrange(256)}.0 255.255.255.0",
    ]
    if rng.random() < 0.5:
        lines += [
            f"server-ipv6 fd{rng.randbytes(5).hex()[:2]}:{rng.randbytes(2).hex()}::/64",
            "push \"route-ipv6 2000::/3\"",
        ]
    lines += [
        "push \"redirect-gateway def1 bypass-dhcp\"",
        "push \"dhcp-option DNS 10.8.0.1\"",
        "keepalive 10 120",
        "persist-key",
        "persist-tun",
        "status /var/log/openvpn/status.log",
        "verb 3",
    ]
    return lines


NGINX = """\
user www-data;
worker_processes auto;
events { worker_connections 1024; }
http {
    server {
        listen 443 ssl;
        server_name vpn-portal.example.com;
        ssl_certificate /etc/ssl/certs/portal.pem;
        ssl_certificate_key /etc/ssl/private/portal.key;
        location / { proxy_pass http://127.0.0.1:8080; }
    }
}
"""


def write(path, lines, crlf):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    eol = "\r\n" if crlf else "\n"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(eol.join(lines) + eol)


def generate_repo(rng, repo):
    endpoints = Endpoints(rng)
    manifest = {"profiles": 0, "crlf": 0, "kinds": {}, "dirs": {}, "single_file": None}

    def add(path, lines, kind, crlf=None):
        if crlf is None:
            crlf = rng.random() < 0.30
        write(path, lines, crlf)
        manifest["profiles"] += 1
        manifest["crlf"] += crlf
        manifest["kinds"][kind] = manifest["kinds"].get(kind, 0) + 1
        d = os.path.relpath(os.path.dirname(path), repo)
        manifest["dirs"][d] = manifest["dirs"].get(d, 0) + 1

    # Servers: a `servers/` folder per region, plus an nginx.conf that is not OpenVPN.
    for i in range(SERVERS):
        region = REGIONS[i % len(REGIONS)]
        add(os.path.join(repo, region, "servers", f"vpn-{region}-{i:03d}.conf"),
            server_conf(rng, region, i), "server")
    for region in REGIONS:
        with open(os.path.join(repo, region, "servers", "nginx.conf"), "w") as f:
            f.write(NGINX)
        with open(os.path.join(repo, region, "README.md"), "w") as f:
            f.write(f"# {region}\n\nClient VPN profiles for {region}, one folder per team and environment.\n"
                    "Regenerate with `terraform apply`; do not edit by hand.\n")

    # Provider-style profiles: about 10% of the clients.
    providers = int((PROFILES - SERVERS) * 0.10)
    for i in range(providers):
        provider = rng.choice(sorted(PROVIDERS))
        country = rng.choice(PROVIDERS[provider])
        city = rng.choice(CITIES)
        add(os.path.join(repo, "third-party", provider, country, f"{country}-{city}-{i:04d}.ovpn"),
            provider_profile(rng, provider, country, city, i), "provider")

    # AWS Client VPN exports: the rest.
    variants = [("leaky", 0.45), ("clean", 0.35), ("guide", 0.12), ("clean-late", 0.08)]
    for i in range(PROFILES - SERVERS - providers):
        region, team, env = rng.choice(REGIONS), rng.choice(TEAMS), rng.choice(ENVS)
        r, variant = rng.random(), None
        for name, share in variants:
            r -= share
            if r < 0:
                variant = name
                break
        variant = variant or "leaky"
        who = f"{rng.choice(FIRST)}.{rng.choice(LAST)}"
        where = rng.random()
        if where < 0.6:
            rel = os.path.join(region, team, env, "users", f"{who}-{i:05d}.ovpn")
        elif where < 0.9:
            rel = os.path.join(region, team, env, f"{team}-{env}-{i:05d}.ovpn")
        else:
            rel = os.path.join(region, team, env, "shared", "legacy", f"{team}-{i:05d}.ovpn")
        path = os.path.join(repo, rel)
        if manifest["single_file"] is None and variant == "leaky":
            # The single-file benchmark: a typical leaky AWS export, LF.
            add(path, aws_profile(rng, endpoints.get(region, team, env), variant, who), "aws-" + variant, crlf=False)
            manifest["single_file"] = rel
            continue
        add(path, aws_profile(rng, endpoints.get(region, team, env), variant, who), "aws-" + variant)

    # What git ignores (and so should the linter and ripgrep): rendered copies and backups.
    with open(os.path.join(repo, ".gitignore"), "w") as f:
        f.write("# Rendered by CI; the sources are the profiles themselves.\n/build/\n*.bak\n*.tfstate\n")
    for i in range(50):
        write(os.path.join(repo, "build", "rendered", f"client-{i:02d}.ovpn"),
              aws_profile(rng, endpoints.get("us-east-1", "platform", "prod"), "leaky", "ci"), False)
    for i in range(10):
        write(os.path.join(repo, "us-east-1", "platform", "prod", f"old-{i}.ovpn.bak"),
              aws_profile(rng, endpoints.get("us-east-1", "platform", "prod"), "leaky", "ci"), False)
    with open(os.path.join(repo, "README.md"), "w") as f:
        f.write("# vpn-profiles\n\nOpenVPN client profiles, by region/team/environment, and the servers.\n"
                "Benchmark data generated by ovpn6-lint's scripts/bench-gen.py.\n")
    return manifest


def routes_file(path, n, seed):
    rng = random.Random(seed)
    routes = [f"route-ipv6 2001:db8:{i >> 16:x}:{i & 0xFFFF:x}::/64" for i in range(n)]
    rng.shuffle(routes)
    # A few duplicates and a few routes contained in others: 40 findings at any size, so the
    # two sizes compare the cost of reading and checking routes, not of reporting findings.
    for _ in range(20):
        routes.insert(rng.randrange(len(routes)), routes[rng.randrange(len(routes))])
    for _ in range(20):
        i = rng.randrange(n)
        routes.insert(rng.randrange(len(routes)), f"route-ipv6 2001:db8:{i >> 16:x}:{i & 0xFFFF:x}:8000::/65")
    lines = [
        f"# {n} distinct IPv6 routes",
        "client",
        "dev tun",
        "proto udp",
        "remote vpn.example.com 1194",
        "ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1",
        *routes,
    ]
    write(path, lines, False)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    base = sys.argv[1]
    repo = os.path.join(base, "repo")
    os.makedirs(repo)
    rng = random.Random(SEED)
    manifest = generate_repo(rng, repo)
    subprocess.run(["git", "init", "-q", repo], check=True)
    for n in ROUTE_SIZES:
        routes_file(os.path.join(base, f"routes-{n}.ovpn"), n, SEED + n)
    manifest["routes"] = {str(n): f"routes-{n}.ovpn" for n in ROUTE_SIZES}
    manifest["version"] = VERSION
    with open(os.path.join(base, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    with open(os.path.join(base, "STAMP"), "w") as f:
        f.write(STAMP)


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--stamp":
        sys.stdout.write(STAMP)
    else:
        main()
