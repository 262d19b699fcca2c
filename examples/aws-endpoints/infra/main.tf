# Two AWS Client VPN endpoints. The linter reads their traffic IP address type and split tunnel
# from here (`aws-endpoint` in .ovpn6-lint.toml links each profile to its endpoint).

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

variable "server_certificate_arn" {
  type = string
}

variable "lab_subnet_id" {
  type = string
}
