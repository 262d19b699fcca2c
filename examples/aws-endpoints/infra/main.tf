# Two AWS Client VPN endpoints. The linter reads their traffic IP address type and split tunnel
# from here: `aws-endpoint` in .ovpn6-lint.toml links the exported office profile to its
# endpoint; the lab profile below is written by Terraform, and its `remote` names its endpoint.

resource "aws_ec2_client_vpn_endpoint" "office" {
  description            = "office: IPv4 traffic, full tunnel (the API's defaults)"
  server_certificate_arn = var.server_certificate_arn
  client_cidr_block      = "10.100.0.0/22"
}

resource "aws_ec2_client_vpn_endpoint" "lab" {
  description             = "lab: dual-stack, split tunnel"
  server_certificate_arn  = var.server_certificate_arn
  client_cidr_block       = "10.200.0.0/22"
  traffic_ip_address_type = "dual-stack"
  split_tunnel            = true
}

resource "aws_ec2_client_vpn_route" "lab_v6" {
  client_vpn_endpoint_id = aws_ec2_client_vpn_endpoint.lab.id
  destination_cidr_block = "2001:db8:1000::/40"
  target_vpc_subnet_id   = var.lab_subnet_id
}

# The lab's profile, with the legacy IPv6 lines copied from an `ipv4` endpoint's profile: on
# this dual-stack, split-tunnel endpoint they pull all global IPv6 into the tunnel.
resource "local_file" "lab_profile" {
  filename = "${path.module}/out/lab.ovpn"
  content  = <<-EOT
    client
    dev tun
    proto udp
    remote ${trimprefix(aws_ec2_client_vpn_endpoint.lab.dns_name, "*.")} 443
    remote-random-hostname
    nobind
    remote-cert-tls server
    ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1
    route-ipv6 2000::/3
    verb 3
  EOT
}

variable "server_certificate_arn" {
  type = string
}

variable "lab_subnet_id" {
  type = string
}
