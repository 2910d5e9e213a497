# Reads one image straight through a channel (no hcp-packer-iteration), and echoes it.
# Kept apart from ../datasources: Packer evaluates independent data sources in no fixed
# order, and each one reports its own revocation message.

variable "bucket" {
  type = string
}

variable "channel" {
  type    = string
  default = "release"
}

data "hcp-packer-image" "via_channel" {
  bucket_name    = var.bucket
  channel        = var.channel
  cloud_provider = "null"
  region         = "null"
}

source "null" "consumer" {
  communicator = "none"
}

build {
  sources = ["source.null.consumer"]

  provisioner "shell-local" {
    inline = [
      "echo VIA_CHANNEL_IMAGE_ID=${data.hcp-packer-image.via_channel.id}",
      "echo VIA_CHANNEL_CHANNEL_ID=${data.hcp-packer-image.via_channel.channel_id}",
      "echo VIA_CHANNEL_ITERATION_ID=${data.hcp-packer-image.via_channel.iteration_id}",
      "echo VIA_CHANNEL_COMPONENT=${data.hcp-packer-image.via_channel.component_type}",
    ]
  }
}
