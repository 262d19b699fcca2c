port = 443
proto = "tcp"
