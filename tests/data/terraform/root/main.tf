locals {
  tunnel_local  = "fd15:53b6:dead::2"
  tunnel_remote = "fd15:53b6:dead::1"
}

# A profile in a heredoc, the way AWS Client VPN profiles are kept next to their endpoint.
resource "local_file" "office" {
  filename = "office.ovpn"
  content  = <<-EOT
    client
    dev tun
    proto ${var.proto}
    remote ${var.endpoint} ${var.port}
    ifconfig-ipv6 ${local.tunnel_local} ${local.tunnel_remote}
    route-ipv6 2000::/4
    %{ if var.ipv6 ~}
    route-ipv6 3000::/4
    %{ endif ~}
  EOT
}

# cloud-init is no profile: never judged.
resource "aws_instance" "web" {
  user_data = <<EOF
#!/bin/bash
echo "client" > /tmp/x
EOF
}

resource "local_file" "laptop" {
  filename = "laptop.ovpn"
  content  = templatefile("client.ovpn.tftpl", { host = var.endpoint, port = var.port, routes = ["2000::/3"] })
}

module "vpn" {
  source = "./modules/vpn"
  proto  = "udp6"
}
