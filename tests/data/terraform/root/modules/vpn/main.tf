resource "local_file" "site" {
  filename = "site.ovpn"
  content  = templatefile("${path.module}/site.ovpn.tpl", { proto = var.proto, port = var.port })
}

resource "local_file" "escape" {
  content = templatefile("/etc/openvpn/client.conf", {})
}
