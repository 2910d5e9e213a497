# Reads a version through a channel (hcp-packer-version), then two of its artifacts by the
# version's fingerprint (hcp-packer-artifact), and echoes what it got. The artifacts depend
# on the version data source, so it is evaluated first and reports its own refusal.

variable "bucket" {
  type = string
}

variable "channel" {
  type    = string
  default = "latest"
}

data "hcp-packer-version" "x" {
  bucket_name  = var.bucket
  channel_name = var.channel
}

data "hcp-packer-artifact" "null" {
  bucket_name         = var.bucket
  version_fingerprint = data.hcp-packer-version.x.fingerprint
  platform            = "null"
  region              = "null"
}

data "hcp-packer-artifact" "file" {
  bucket_name         = var.bucket
  version_fingerprint = data.hcp-packer-version.x.fingerprint
  platform            = "packer.file"
  region              = "out"
}

source "null" "consumer" {
  communicator = "none"
}

build {
  sources = ["source.null.consumer"]

  provisioner "shell-local" {
    inline = [
      "echo VERSION_ID=${data.hcp-packer-version.x.id}",
      "echo VERSION_NAME=${data.hcp-packer-version.x.name}",
      "echo VERSION_FINGERPRINT=${data.hcp-packer-version.x.fingerprint}",
      "echo VERSION_STATUS=${data.hcp-packer-version.x.status}",
      "echo VERSION_BUCKET=${data.hcp-packer-version.x.bucket_name}",
      "echo CHANNEL_ID=${data.hcp-packer-version.x.channel_id}",
      "echo NULL_EXTERNAL_ID=${data.hcp-packer-artifact.null.external_identifier}",
      "echo NULL_COMPONENT=${data.hcp-packer-artifact.null.component_type}",
      "echo NULL_VERSION_ID=${data.hcp-packer-artifact.null.version_id}",
      "echo NULL_BUILD_ID=${data.hcp-packer-artifact.null.build_id}",
      "echo NULL_LABEL_PIPELINE=${data.hcp-packer-artifact.null.labels.pipeline}",
      "echo FILE_EXTERNAL_ID=${data.hcp-packer-artifact.file.external_identifier}",
      "echo FILE_COMPONENT=${data.hcp-packer-artifact.file.component_type}",
    ]
  }
}
