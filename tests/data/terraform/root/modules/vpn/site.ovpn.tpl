client
dev tun
proto ${proto}
remote vpn.example.com ${port}
route-ipv6 2000::/3
