#!/usr/bin/env python3
"""Generates the benchmark's template tree: 1,000 Terraform modules and 1,000 Ansible roles.

    scripts/bench-gen-templates.py DIR     writes DIR/tree (a git repository) and DIR/STAMP
    scripts/bench-gen-templates.py --stamp prints the generator's version

Each Terraform module has a profile heredoc (variables, locals, a conditional), a
`templatefile` target with its VARS, a variables.tf, a terraform.tfvars and a .tf file that holds
no profile (an S3 bucket with a JSON policy heredoc). Each role has defaults/main.yml,
tasks/main.yml, a client template and a server template. A third of the profiles leak.
"""
import os
import random
import subprocess
import sys

VERSION = "templates-1"


def module(root, i, rng):
    leak = i % 3 == 0
    os.makedirs(root)
    routes = '["2000::/4"]' if leak else '["2000::/3"]'
    with open(f"{root}/variables.tf", "w") as f:
        f.write(
            'variable "port" {\n  default = 443\n}\n\n'
            'variable "proto" {\n  default = "udp"\n}\n\n'
            f'variable "routes" {{\n  default = {routes}\n}}\n\n'
            'variable "ipv6" {\n  default = true\n}\n'
        )
    with open(f"{root}/terraform.tfvars", "w") as f:
        f.write(f'port = {1000 + i}\nproto = "{rng.choice(["udp", "tcp"])}"\n')
    with open(f"{root}/main.tf", "w") as f:
        f.write(
            'locals {\n  tunnel = "fd15:53b6:dead::2 fd15:53b6:dead::1"\n}\n\n'
            f'resource "aws_ec2_client_vpn_endpoint" "vpn" {{\n  description = "vpn {i}"\n'
            '  server_certificate_arn = aws_acm_certificate.server.arn\n'
            '  client_cidr_block      = "10.100.0.0/16"\n}\n\n'
            'resource "local_file" "office" {\n  filename = "office.ovpn"\n  content  = <<-EOT\n'
            "    client\n    dev tun\n    proto ${var.proto}\n"
            "    remote ${aws_ec2_client_vpn_endpoint.vpn.dns_name} ${var.port}\n"
            "    remote-random-hostname\n    resolv-retry infinite\n    nobind\n"
            "    ifconfig-ipv6 ${local.tunnel}\n"
            "    %{ if var.ipv6 ~}\n    route-ipv6 2000::/3\n    %{ endif ~}\n"
            "    verb 3\n  EOT\n}\n\n"
            'resource "local_file" "laptop" {\n  filename = "laptop.ovpn"\n'
            '  content  = templatefile("${path.module}/laptop.ovpn.tftpl", {\n'
            "    endpoint = aws_ec2_client_vpn_endpoint.vpn.dns_name\n"
            "    port     = var.port\n    routes   = var.routes\n  })\n}\n"
        )
    with open(f"{root}/laptop.ovpn.tftpl", "w") as f:
        f.write(
            "client\ndev tun\nremote ${endpoint} ${port}\n"
            "ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\n"
            "%{ for route in routes ~}\nroute-ipv6 ${route}\n%{ endfor ~}\nverb 3\n"
        )
    with open(f"{root}/storage.tf", "w") as f:
        f.write(
            f'resource "aws_s3_bucket" "logs" {{\n  bucket = "logs-{i}"\n}}\n\n'
            'resource "aws_s3_bucket_policy" "logs" {\n  bucket = aws_s3_bucket.logs.id\n'
            "  policy = <<POLICY\n{\n"
            '  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Deny", "Principal": "*",\n'
            '    "Action": "s3:*", "Resource": "${aws_s3_bucket.logs.arn}/*"}]\n}\nPOLICY\n}\n'
        )


def role(root, i, rng):
    leak = i % 3 == 0
    for sub in ("defaults", "tasks", "templates"):
        os.makedirs(f"{root}/{sub}")
    with open(f"{root}/defaults/main.yml", "w") as f:
        f.write(
            "---\n"
            f"openvpn_server: vpn{i}.example.com\nopenvpn_port: {1194 + i % 7}\n"
            f"openvpn_ipv6: {'no' if leak else 'yes'}\n"
            "openvpn_ipv6_routes:\n  - 2000::/3\n"
            "openvpn_network: 10.8.0.0\nopenvpn_ipv6_network: fd00:8::/64\n"
        )
    with open(f"{root}/tasks/main.yml", "w") as f:
        f.write(
            "---\n- name: Server config\n  ansible.builtin.template:\n"
            "    src: server.conf.j2\n    dest: /etc/openvpn/server.conf\n"
        )
    with open(f"{root}/templates/client.ovpn.j2", "w") as f:
        f.write(
            "# {{ ansible_managed }}\nclient\ndev tun\nproto udp\n"
            "remote {{ openvpn_server }} {{ openvpn_port }}\nnobind\npersist-key\npersist-tun\n"
            "{% if openvpn_ipv6 | bool %}\n"
            "ifconfig-ipv6 fd15:53b6:dead::2 fd15:53b6:dead::1\n"
            "{% for route in openvpn_ipv6_routes %}\nroute-ipv6 {{ route }}\n{% endfor %}\n"
            "{% endif %}\nverb 3\n"
        )
    with open(f"{root}/templates/server.conf.j2", "w") as f:
        f.write(
            "port {{ openvpn_port }}\nproto udp\ndev tun\n"
            "server {{ openvpn_network }} 255.255.255.0\n"
            "{% if openvpn_ipv6 | bool %}\nserver-ipv6 {{ openvpn_ipv6_network }}\n"
            'push "route-ipv6 2000::/3"\n{% endif %}\n'
            'push "redirect-gateway def1"\nkeepalive 10 120\n'
        )


def main():
    if sys.argv[1:] == ["--stamp"]:
        print(VERSION)
        return
    base = sys.argv[1]
    tree = f"{base}/tree"
    rng = random.Random(24)
    for i in range(1000):
        module(f"{tree}/terraform/m{i:04d}", i, rng)
        role(f"{tree}/roles/r{i:04d}", i, rng)
    subprocess.run(["git", "init", "-q", tree], check=True)
    with open(f"{base}/STAMP", "w") as f:
        f.write(VERSION + "\n")


if __name__ == "__main__":
    main()
