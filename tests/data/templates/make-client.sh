#!/bin/sh
# Writes a client profile for the office VPN.
set -eu
server=${1:?server name}
cat > "$HOME/office.ovpn" <<EOF
client
dev tun
remote $server ${PORT:-1194}
route-ipv6 2000::/4
$EXTRA_LINES
EOF
