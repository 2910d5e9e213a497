# Reads one artifact straight through a channel (no hcp-packer-version), and echoes it.
# Kept apart from ../datasources so that its own revocation message is the one reported.

variable "bucket" {
  type = string
}

variable "channel" {
  type    = string
  default = "latest"
}

data "hcp-packer-artifact" "via_channel" {
  bucket_name  = var.bucket
  channel_name = var.channel
  platform     = "null"
  region       = "null"
}

source "null" "consumer" {
  communicator = "none"
}

build {
  sources = ["source.null.consumer"]

  provisioner "shell-local" {
    inline = [
      "echo VIA_CHANNEL_EXTERNAL_ID=${data.hcp-packer-artifact.via_channel.external_identifier}",
      "echo VIA_CHANNEL_CHANNEL_ID=${data.hcp-packer-artifact.via_channel.channel_id}",
      "echo VIA_CHANNEL_VERSION_ID=${data.hcp-packer-artifact.via_channel.version_id}",
      "echo VIA_CHANNEL_COMPONENT=${data.hcp-packer-artifact.via_channel.component_type}",
      "echo VIA_CHANNEL_PLATFORM=${data.hcp-packer-artifact.via_channel.platform}",
    ]
  }
}
