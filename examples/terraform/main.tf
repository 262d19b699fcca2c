# An AWS Client VPN endpoint's client profiles, written by Terraform.
locals {
  tunnel_addresses = "fd15:53b6:dead::2 fd15:53b6:dead::1"
}

resource "local_file" "office" {
  filename = "${path.module}/out/office.ovpn"
  content  = <<-EOT
    client
    dev tun
    proto udp
    remote ${aws_ec2_client_vpn_endpoint.office.dns_name} ${var.port}
    remote-random-hostname
    ifconfig-ipv6 ${local.tunnel_addresses}
    route-ipv6 2000::/4
    verb 3
  EOT
}

resource "local_file" "laptop" {
  filename = "${path.module}/out/laptop.ovpn"
  content = templatefile("${path.module}/laptop.ovpn.tftpl", {
    endpoint = aws_ec2_client_vpn_endpoint.office.dns_name
    port     = var.port
    routes   = var.ipv6_routes
  })
}
