ipv6 = false
port = 9443
