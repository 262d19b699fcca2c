variable "ipv6_routes" {
  description = "IPv6 prefixes the laptops route into the tunnel."
  default     = ["2000::/4"]
}

variable "port" {
  default = 443
}
