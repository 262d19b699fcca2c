variable "proto" {
  default = "udp"
}

variable "port" {
  default = 1194
}
