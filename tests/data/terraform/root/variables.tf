variable "port" {
  default = 1194
}

variable "proto" {
  default = "udp"
}

variable "endpoint" {
  type = string
}

variable "ipv6" {
  default = false
}
