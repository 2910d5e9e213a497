# Reads an iteration through a channel and one of its images, and echoes what it got.

variable "bucket" {
  type = string
}

variable "channel" {
  type    = string
  default = "release"
}

data "hcp-packer-iteration" "x" {
  bucket_name = var.bucket
  channel     = var.channel
}

data "hcp-packer-image" "null" {
  bucket_name    = var.bucket
  iteration_id   = data.hcp-packer-iteration.x.id
  cloud_provider = "null"
  region         = "null"
}

data "hcp-packer-image" "file" {
  bucket_name    = var.bucket
  iteration_id   = data.hcp-packer-iteration.x.id
  cloud_provider = "packer.file"
  region         = "out"
}

source "null" "consumer" {
  communicator = "none"
}

build {
  sources = ["source.null.consumer"]

  provisioner "shell-local" {
    inline = [
      "echo ITERATION_ID=${data.hcp-packer-iteration.x.id}",
      "echo ITERATION_VERSION=${data.hcp-packer-iteration.x.incremental_version}",
      "echo ITERATION_FINGERPRINT=${data.hcp-packer-iteration.x.fingerprint}",
      "echo ITERATION_COMPLETE=${data.hcp-packer-iteration.x.complete}",
      "echo CHANNEL_ID=${data.hcp-packer-iteration.x.channel_id}",
      "echo NULL_IMAGE_ID=${data.hcp-packer-image.null.id}",
      "echo NULL_COMPONENT=${data.hcp-packer-image.null.component_type}",
      "echo NULL_ITERATION_ID=${data.hcp-packer-image.null.iteration_id}",
      "echo NULL_BUILD_ID=${data.hcp-packer-image.null.build_id}",
      "echo FILE_IMAGE_ID=${data.hcp-packer-image.file.id}",
      "echo FILE_COMPONENT=${data.hcp-packer-image.file.component_type}",
    ]
  }
}
