client
dev tun
proto ${transport_protocol}
remote ${endpoint_dns_name} 443
remote-random-hostname
resolv-retry infinite
nobind
${extra_lines}
<ca>
${certificate_chain}
</ca>
reneg-sec 0
