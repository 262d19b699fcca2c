#!/usr/bin/env python3
"""Generates the benchmark's second tree: 10,000 profiles shaped like the real-world corpus.

    scripts/bench-gen-corpus.py OUT_DIR

`scripts/bench-gen.py` makes a tidy repository of AWS exports, two thirds of whose bytes are
certificate bodies the reader skips. Real repositories are denser: the corpus the tests use
(public profiles from OpenVPN's samples, installers, providers and self-hosted setups) averages
2.5 KB a file with a directive or a comment on most lines. This generator writes profiles from
templates of those kinds, so the linter's cost per line is measured, not only its cost per byte:

  - OpenVPN's sample client and server configs: long `;`/`#` comment blocks, commented-out
    options, `push "..."` lines (about a quarter of the files, half of the bytes)
  - commercial provider profiles: inline `<ca>`, `<tls-auth>`/`<tls-crypt>`, several `remote`
    lines, `pull-filter`, `block-ipv6`, IPv6 routes, CRLF in a third (about half the files)
  - installer output (Nyr, PiVPN, eduVPN style): inline `<ca>`/`<cert>`/`<key>`, `setenv opt`,
    `ignore-unknown-option`, servers with `server-ipv6` and pushed IPv6 routes
  - templates (`{{ var }}`, `${var}`, `__VAR__`), point-to-point static-key configs, and edge
    cases: a BOM, ISO-8859-15 bytes in a comment, `<connection>` blocks, no final newline

Files go where `gen_tree.py`-style trees put them: `tree/teamNN/siteNNN/pNNNNN.ovpn` (every third a
`.conf`), each starting with a `# profile N` line. No `.gitignore`: ripgrep and the linter read
every file. Same seed and version, same bytes; only the Python standard library is used.
"""

import base64
import os
import random
import sys

VERSION = 1
SEED = 517663
PROFILES = 10_000
STAMP = f"ovpn6-bench-gen-corpus v{VERSION} seed={SEED} profiles={PROFILES}\n"

CITIES = [
    "amsterdam", "frankfurt", "stockholm", "zurich", "london", "paris", "madrid", "milan",
    "newyork", "chicago", "dallas", "toronto", "saopaulo", "tokyo", "singapore", "sydney",
    "melbourne", "dubai", "warsaw", "prague", "vienna", "oslo", "helsinki", "dublin",
]
COUNTRIES = ["nl", "de", "se", "ch", "uk", "fr", "es", "it", "us", "ca", "br", "jp", "sg", "au",
             "ae", "pl", "cz", "at", "no", "fi", "ie"]
PROVIDERS = ["northwind", "contoso", "fabrikam", "tailspin", "wingtip", "adatum", "litware",
             "proseware", "woodgrove", "fourthcoffee"]
CIPHERS = ["AES-256-CBC", "AES-128-CBC", "AES-256-GCM", "BF-CBC"]
DATA_CIPHERS = ["AES-256-GCM:AES-128-GCM", "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305",
                "AES-256-GCM:CHACHA20-POLY1305", "AES-128-GCM"]


def pem(rng, label, size):
    """A PEM-looking block of `size` random bytes as 64-character base64 lines."""
    body = base64.b64encode(rng.randbytes(size)).decode()
    return [f"-----BEGIN {label}-----", *(body[i:i + 64] for i in range(0, len(body), 64)),
            f"-----END {label}-----"]


def static_key(rng):
    return ["#", "# 2048 bit OpenVPN static key", "#", "-----BEGIN OpenVPN Static key V1-----",
            *(rng.randbytes(16).hex() for _ in range(16)), "-----END OpenVPN Static key V1-----"]


def inline(tag, body):
    return [f"<{tag}>", *body, f"</{tag}>"]


def secret_block(rng, tag):
    """Key material as the corpus keeps it (redacted) or as a provider ships it (static key)."""
    return inline(tag, ["REDACTED"] if rng.random() < 0.6 else static_key(rng))


def remote_host(rng, provider, country, city, n):
    return rng.choice([
        f"{country}{n}.{provider}.example.net",
        f"{country}-{city}-{n:02d}.vpn.{provider}.example.com",
        f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
    ])


def commented(rng, paragraphs, mark):
    """Comment paragraphs, each followed by its (sometimes commented-out) option lines."""
    lines = []
    for text, options in paragraphs:
        lines += [f"{mark} {sentence}" for sentence in text]
        for option in options:
            off = option.startswith("?")
            option = option.lstrip("?")
            lines.append((";" + option) if off and rng.random() < 0.8 else option)
        lines.append("")
    return lines


def sample_client(rng, provider, country, city):
    """In the style of OpenVPN's sample client.conf: more comment than option."""
    host = remote_host(rng, provider, country, city, rng.randrange(1, 40))
    dev = "tap" if rng.random() < 0.1 else "tun"
    paragraphs = [
        (["#" * 58, "# Sample client-side configuration for multi-client servers. #",
          "#" * 58, "", "Specify that this is a client and that some", "config options will be",
          "pulled from the server."], ["client"]),
        (["Use the same setting as on the server.", "On most systems tun works; tap bridges",
          "an ethernet segment."], [f"dev {dev}", "?dev-node MyTap"]),
        (["Are we connecting to a TCP or UDP server?", "Use the same setting as on the server."],
         ["?proto tcp", "proto udp"]),
        (["The hostname/IP and port of the server.", "You can have multiple remote entries",
          "to load balance between the servers."],
         [f"remote {host} 1194", f"?remote {remote_host(rng, provider, country, city, 2)} 1194"]),
        (["Choose a random host from the remote", "list for load-balancing; otherwise try them",
          "in order."], ["?remote-random"]),
        (["Keep trying indefinitely to resolve the", "host name of the OpenVPN server."],
         ["resolv-retry infinite"]),
        (["Most clients don't need to bind to", "a specific local port number."], ["nobind"]),
        (["Downgrade privileges after initialization (non-Windows only)"],
         ["?user nobody", "?group nogroup"]),
        (["Try to preserve some state across restarts."], ["persist-key", "persist-tun"]),
        (["If you are connecting through an", "HTTP proxy to reach the actual OpenVPN",
          "server, put the proxy server/IP and", "port number here."],
         ["?http-proxy-retry", "?http-proxy [proxy server] [proxy port #]"]),
        (["Wireless networks often produce a lot", "of duplicate packets; this silences",
          "the warnings."], ["?mute-replay-warnings"]),
        (["SSL/TLS parms.", "A separate .crt/.key file pair", "should be used for each client."],
         ["ca ca.crt", f"cert {city}.crt", f"key {city}.key"]),
        (["Verify server certificate by checking that the", "certificate has the correct key usage."],
         ["remote-cert-tls server"]),
        (["If a tls-auth key is used on the server", "then every client must also have the key."],
         ["tls-auth ta.key 1"]),
        (["Select a cryptographic cipher.", "Since OpenVPN 2.4 the cipher is negotiated."],
         [f"?cipher {rng.choice(CIPHERS)}"]),
        (["Don't enable compression on the VPN link", "unless the server does (VORACLE)."],
         ["?comp-lzo"]),
        (["Set log file verbosity."], [f"verb {rng.choice([3, 3, 4])}"]),
        (["Silence repeating messages"], ["?mute 20"]),
    ]
    lines = commented(rng, paragraphs, rng.choice(["#", "#", ";"]))
    ipv6 = rng.random()
    if ipv6 < 0.3:
        lines += ["# Keep IPv6 in the tunnel", "ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1",
                  "route-ipv6 2000::/3"]
    elif ipv6 < 0.4:
        lines += ["route-ipv6 2000::/4  # the guide's first example"]
    return lines


def sample_server(rng, n):
    """In the style of OpenVPN's sample server.conf: long, commented, quoted pushes."""
    net = f"10.{rng.randrange(256)}.{rng.randrange(256)}.0"
    paragraphs = [
        (["#" * 46, "# Sample OpenVPN 2.x config file for    #", "# a multi-client server.   #",
          "#" * 46, "", "This file is for the server side", "of a many-clients <-> one-server",
          "OpenVPN configuration.", "", "Comments are preceded with '#' or ';'"], []),
        (["Which local IP address should OpenVPN", "listen on? (optional)"], ["?local a.b.c.d"]),
        (["Which TCP/UDP port should OpenVPN listen on?", "If you want to run multiple OpenVPN",
          "instances on the same machine, use", "a different port number for each one."],
         [f"port {rng.choice([1194, 443, 1195])}"]),
        (["TCP or UDP server?"], ["?proto tcp", "proto udp"]),
        (["\"dev tun\" will create a routed IP tunnel,", "\"dev tap\" will create an ethernet tunnel.",
          "Use \"dev tap0\" if you are ethernet bridging", "and have precreated a tap0 virtual interface."],
         ["?dev tap", "dev tun"]),
        (["SSL/TLS root certificate (ca), certificate", "(cert), and private key (key). Each client",
          "and the server must have their own cert and", "key file. The server and all clients",
          "will use the same ca file."], ["ca ca.crt", "cert server.crt",
                                          "key server.key  # This file should be kept secret"]),
        (["Diffie hellman parameters."], ["dh dh2048.pem"]),
        (["Network topology", "Should be subnet (addressing via IP)",
          "unless Windows clients v2.0.9 and lower have to", "be supported (then net30)."],
         ["topology subnet"]),
        (["Configure server mode and supply a VPN subnet", "for OpenVPN to draw client addresses from.",
          "The server will take the first address for itself,", "the rest will be made available to clients."],
         [f"server {net} 255.255.255.0"]),
        (["Maintain a record of client <-> virtual IP address", "associations in this file."],
         ["ifconfig-pool-persist /var/log/openvpn/ipp.txt"]),
        (["Push routes to the client to allow it", "to reach other private subnets behind",
          "the server."], [f"?push \"route 192.168.{rng.randrange(256)}.0 255.255.255.0\"",
                           f"?push \"route 192.168.{rng.randrange(256)}.0 255.255.255.0\""]),
        (["To assign specific IP addresses to specific", "clients, use the client-config-dir."],
         ["?client-config-dir ccd", "?route 192.168.40.128 255.255.255.248"]),
        (["If enabled, this directive will configure", "all clients to redirect their default",
          "network gateway through the VPN, causing", "all IP traffic such as web browsing and",
          "and DNS lookups to go through the VPN."],
         [rng.choice(["?push \"redirect-gateway def1 bypass-dhcp\"",
                      "push \"redirect-gateway def1 bypass-dhcp\"",
                      "push \"redirect-gateway def1 ipv6 bypass-dhcp\""])]),
        (["Certain Windows-specific network settings", "can be pushed to clients, such as DNS",
          "or WINS server addresses."],
         ["?push \"dhcp-option DNS 208.67.222.222\"", "push \"dhcp-option DNS 208.67.220.220\""]),
        (["Uncomment this directive to allow different", "clients to be able to \"see\" each other."],
         ["?client-to-client"]),
        (["The keepalive directive causes ping-like", "messages to be sent back and forth over",
          "the link so that each side knows when", "the other side has gone down."],
         ["keepalive 10 120"]),
        (["For extra security beyond that provided", "by SSL/TLS, create an \"HMAC firewall\"",
          "to help block DoS attacks and UDP port flooding."],
         ["tls-auth ta.key 0 # This file is secret"]),
        (["Select a cryptographic cipher.", "This config item must be copied to",
          "the client config file as well."], [f"?cipher {rng.choice(CIPHERS)}"]),
        (["The maximum number of concurrently connected", "clients we want to allow."],
         ["?max-clients 100"]),
        (["It's a good idea to reduce the OpenVPN", "daemon's privileges after initialization."],
         ["?user nobody", "?group nogroup"]),
        (["The persist options will try to avoid", "accessing certain resources on restart",
          "that may no longer be accessible because", "of the privilege downgrade."],
         ["persist-key", "persist-tun"]),
        (["Output a short status file showing", "current connections, truncated",
          "and rewritten every minute."], ["status /var/log/openvpn/openvpn-status.log"]),
        (["Set the appropriate level of log", "file verbosity."], ["verb 3"]),
        (["Notify the client that when the server restarts so it", "can automatically reconnect."],
         ["explicit-exit-notify 1"]),
    ]
    lines = commented(rng, paragraphs, rng.choice(["#", "#", ";"]))
    if rng.random() < 0.4:
        lines += ["# IPv6", f"server-ipv6 fd{rng.randbytes(1).hex()}:{rng.randbytes(2).hex()}:"
                  f"{rng.randbytes(2).hex()}::/64", "push \"route-ipv6 2000::/3\""]
    return lines


def provider(rng, name, country, city, n):
    """A commercial provider's download: options, remotes, inline CA and key."""
    lines = []
    if rng.random() < 0.3:
        lines += [f"# {name.title()} VPN - {city.title()} ({country.upper()})",
                  "# Generated for OpenVPN 2.4 and later", ""]
    lines += ["client", f"dev {rng.choice(['tun', 'tun', 'tun0'])}",
              f"proto {rng.choice(['udp', 'udp', 'tcp', 'tcp-client'])}"]
    port = rng.choice([1194, 443, 1195, 53, 8080])
    for i in range(rng.choice([1, 1, 2, 3, 4])):
        lines.append(f"remote {remote_host(rng, name, country, city, n + i)} {port}")
    if len(lines) > 5 and rng.random() < 0.5:
        lines.append("remote-random")
    lines += rng.sample([
        "resolv-retry infinite", "nobind", "persist-key", "persist-tun", "remote-cert-tls server",
        f"auth {rng.choice(['SHA256', 'SHA512', 'SHA1'])}", f"cipher {rng.choice(CIPHERS)}",
        f"data-ciphers {rng.choice(DATA_CIPHERS)}", "tls-client", "auth-nocache",
        f"verb {rng.choice([1, 3, 3, 4])}", "mute-replay-warnings", "reneg-sec 0",
        "ping 10", "ping-restart 60", "fast-io", "sndbuf 524288", "rcvbuf 524288",
        "tun-mtu 1500", "mssfix 1450", "explicit-exit-notify 2", "script-security 2",
        f"verify-x509-name {country}{n}.{name}.example.net name",
        f"tls-cipher TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384",
    ], rng.randrange(8, 18))
    lines.append(rng.choice(["auth-user-pass", "auth-user-pass", "auth-user-pass /config/credentials.txt"]))
    if rng.random() < 0.3:
        lines += ["setenv opt block-outside-dns", "ignore-unknown-option block-outside-dns"]
    kind = rng.random()
    if kind < 0.2:
        lines += ["redirect-gateway def1 ipv6", "block-ipv6"]
    elif kind < 0.35:
        lines += ["pull-filter ignore \"route-ipv6\"", "pull-filter ignore \"ifconfig-ipv6\"",
                  "pull-filter ignore \"redirect-gateway ipv6\""]
    elif kind < 0.5:
        lines += [f"ifconfig-ipv6 fd{rng.randbytes(1).hex()}::{rng.randrange(2, 250)} "
                  f"fd{rng.randbytes(1).hex()}::1", "route-ipv6 ::/1", "route-ipv6 8000::/1"]
    elif kind < 0.55:
        lines += ["ifconfig-ipv6 fd69:1234::2/64 fd69:1234::1", "route-ipv6 ::/128 ::1"]
    elif kind < 0.6:
        lines += ["tun-ipv6", "route-ipv6 2000::/3 2001:db8::1 5"]
    if rng.random() < 0.5:
        lines += ["key-direction 1"]
    lines += inline("ca", pem(rng, "CERTIFICATE", rng.choice([900, 1300, 1400, 1700])))
    if rng.random() < 0.2:
        lines += inline("cert", pem(rng, "CERTIFICATE", 1000))
        lines += secret_block(rng, "key")
    lines += secret_block(rng, rng.choice(["tls-auth", "tls-auth", "tls-crypt"]))
    return lines


def installer_client(rng, n):
    """Installer output (Nyr/PiVPN/eduVPN style): few options, every credential inline."""
    lines = ["client", "dev tun", "proto udp",
             f"remote {remote_host(rng, 'home', 'de', 'berlin', n)} {rng.choice([1194, 443])}",
             "resolv-retry infinite", "nobind", "persist-key", "persist-tun",
             "remote-cert-tls server", f"auth SHA{rng.choice([256, 512])}",
             f"cipher {rng.choice(CIPHERS)}"]
    if rng.random() < 0.5:
        lines += ["ignore-unknown-option block-outside-dns", "block-outside-dns"]
    else:
        lines += ["setenv opt block-outside-dns"]
    lines += ["verb 3"]
    if rng.random() < 0.25:
        lines += ["ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1", "route-ipv6 2000::/3"]
    lines += inline("ca", pem(rng, "CERTIFICATE", 800))
    lines += inline("cert", pem(rng, "CERTIFICATE", 900))
    lines += secret_block(rng, "key")
    lines += secret_block(rng, rng.choice(["tls-crypt", "tls-auth"]))
    return lines


def installer_server(rng, n):
    """An installer's server config, IPv6 in half of them."""
    lines = ["local 0.0.0.0", f"port {rng.choice([1194, 443])}", "proto udp", "dev tun",
             "ca ca.crt", "cert server.crt", "key server.key", "dh dh.pem", "auth SHA512",
             "tls-crypt tc.key", "topology subnet",
             f"server 10.{rng.randrange(256)}.0.0 255.255.255.0"]
    if rng.random() < 0.5:
        lines += [f"server-ipv6 fddd:1194:1194:{rng.randrange(1, 9999)}::/64",
                  "push \"redirect-gateway def1 ipv6 bypass-dhcp\""]
    else:
        lines += ["push \"redirect-gateway def1 bypass-dhcp\""]
    lines += ["ifconfig-pool-persist ipp.txt", "push \"dhcp-option DNS 1.1.1.1\"",
              "push \"dhcp-option DNS 1.0.0.1\"", "push \"block-outside-dns\"",
              "keepalive 10 120", "cipher AES-256-CBC", "user nobody", "group nogroup",
              "persist-key", "persist-tun", "verb 3", "crl-verify crl.pem",
              "explicit-exit-notify"]
    return lines


def template(rng, n):
    """A client template of a deployment tool: placeholders where values go."""
    style = rng.choice(["{{ %s }}", "${%s}", "__%s__", "$%s"])
    var = lambda name: style % (name.upper() if style in ("__%s__", "$%s") else name)
    lines = [f"# Rendered by the deployment tool; do not edit (template {n})", "client",
             f"dev {var('dev')}", f"proto {var('proto')}", f"remote {var('server_host')} {var('server_port')}",
             "resolv-retry infinite", "nobind", "persist-key", "persist-tun",
             f"cipher {var('cipher')}", f"auth {var('auth')}", "remote-cert-tls server",
             "redirect-gateway def1", f"verb {var('verbosity')}"]
    if rng.random() < 0.5:
        lines += [f"route-ipv6 {var('ipv6_route')}", f"ifconfig-ipv6 {var('local6')} {var('remote6')}"]
    lines += ["<ca>", var("ca_cert"), "</ca>", "<cert>", var("client_cert"), "</cert>",
              "<key>", "REDACTED", "</key>"]
    return lines


def p2p_static(rng, n):
    """A point-to-point static-key link, in the style of the old static-home sample."""
    a, b = rng.randrange(1, 250), rng.randrange(1, 250)
    return [
        "#", "# Sample OpenVPN configuration file for", f"# site {n} using a pre-shared static key.",
        "#", "# '#' or ';' may be used to delimit comments.", "",
        "# Use a dynamic tun device.", "dev tun", "",
        "# Our OpenVPN peer is the office gateway.", f"remote gw{n}.example.org", "",
        "# 10.1.0.2 is our local VPN endpoint (home).", "# 10.1.0.1 is our remote VPN endpoint (office).",
        f"ifconfig 10.{a}.0.2 10.{a}.0.1", "",
        "# Our up script will establish routes", "# once the VPN is alive.", "; up ./home.up", "",
        "# Our pre-shared static key", "secret static.key", "",
        "# Cipher to use", "; cipher AES-256-CBC", "",
        f"# OpenVPN 2.0 uses UDP port 1194 by default", f"; port {1194 + b}", "",
        "# Downgrade privileges after initialization (non-Windows only)", "; user nobody",
        "; group nobody", "", "# Send a UDP ping to remote once", "# every 15 seconds to keep",
        "# stateful firewall connection", "# alive.  Uncomment this", "# out if you are using a stateful",
        "# firewall.", "; ping 15", "",
        "# Verbosity level.", "# 0 -- quiet except for fatal errors.", "# 1 -- mostly quiet, but display non-fatal network errors.",
        "# 3 -- medium output, good for normal operation.", "# 9 -- verbose, good for troubleshooting",
        "verb 3",
    ] + (["ifconfig-ipv6 2001:db8:%x::2 2001:db8:%x::1" % (a, a)] if rng.random() < 0.3 else [])


def connection_blocks(rng, n):
    """Several `<connection>` blocks, each with its own remote."""
    lines = ["client", "dev tun", "nobind", "persist-key", "remote-cert-tls server"]
    for i in range(rng.choice([2, 3])):
        lines += ["<connection>", f"remote vpn{i}.site{n}.example.org {1194 + i}",
                  f"proto {rng.choice(['udp', 'tcp-client'])}", "connect-retry 5", "</connection>"]
    lines += ["ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1", "route-ipv6 2000::/3"]
    lines += inline("ca", pem(rng, "CERTIFICATE", 900))
    return lines


# (kind, share): the corpus's mix of files.
KINDS = [("provider", 0.50), ("sample-client", 0.08), ("sample-server", 0.07),
         ("installer-client", 0.12), ("installer-server", 0.06), ("template", 0.07),
         ("p2p", 0.05), ("connection", 0.03), ("edge", 0.02)]


def profile(rng, i):
    r, kind = rng.random(), KINDS[-1][0]
    for name, share in KINDS:
        r -= share
        if r < 0:
            kind = name
            break
    name, country, city = rng.choice(PROVIDERS), rng.choice(COUNTRIES), rng.choice(CITIES)
    crlf = rng.random() < (0.35 if kind == "provider" else 0.1)
    if kind == "provider":
        lines = provider(rng, name, country, city, rng.randrange(1, 400))
    elif kind == "sample-client":
        lines = sample_client(rng, name, country, city)
    elif kind == "sample-server":
        lines = sample_server(rng, i)
    elif kind == "installer-client":
        lines = installer_client(rng, i)
    elif kind == "installer-server":
        lines = installer_server(rng, i)
    elif kind == "template":
        lines = template(rng, i)
    elif kind == "p2p":
        lines = p2p_static(rng, i)
    elif kind == "connection":
        lines = connection_blocks(rng, i)
    else:
        lines = provider(rng, name, country, city, i)
    eol = "\r\n" if crlf else "\n"
    data = ("# profile %d" % i + eol + eol.join(lines) + eol).encode()
    if kind == "edge":
        edge = rng.choice(["bom", "latin", "mixed", "no-final-newline"])
        if edge == "bom":
            data = b"\xef\xbb\xbf" + data
        elif edge == "latin":
            data = data.replace(b"# profile", "# profil\xe9 co\xfbt \xa4".encode("latin-1") + b" profile", 1)
        elif edge == "mixed":
            data = data.replace(b"\n", b"\r\n", data.count(b"\n") // 2)
        else:
            data = data.rstrip(b"\r\n")
    return data


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    rng = random.Random(SEED)
    total = 0
    for i in range(PROFILES):
        folder = os.path.join(out, "tree", "team%02d" % (i % 50), "site%03d" % (i // 50 % 200))
        os.makedirs(folder, exist_ok=True)
        data = profile(rng, i)
        with open(os.path.join(folder, "p%05d%s" % (i, ".ovpn" if i % 3 else ".conf")), "wb") as f:
            f.write(data)
        total += len(data)
    with open(os.path.join(out, "STAMP"), "w") as f:
        f.write(STAMP)
    print("%d files, %.1f MB" % (PROFILES, total / 1e6))


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--stamp":
        sys.stdout.write(STAMP)
    else:
        main()
