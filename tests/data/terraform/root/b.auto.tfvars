ipv6 = true
