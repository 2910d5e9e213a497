# A child image built from a parent bucket's artifact. hcp-packer-version reads the parent's
# channel; hcp-packer-artifact reads that version's `packer.file` artifact in region `out`.
# The file source copies the artifact (its external identifier is the file name, which the
# test puts beside this template), so the build's source image is the parent's artifact and
# Packer records the parent version and channel on the child's build.

variable "bucket" {
  type = string
}

variable "parent_bucket" {
  type = string
}

variable "parent_channel" {
  type    = string
  default = "latest"
}

hcp_packer_registry {
  bucket_name = var.bucket
  description = "Packyard e2e: built from a parent bucket's channel"
}

data "hcp-packer-version" "parent" {
  bucket_name  = var.parent_bucket
  channel_name = var.parent_channel
}

data "hcp-packer-artifact" "parent" {
  bucket_name         = var.parent_bucket
  version_fingerprint = data.hcp-packer-version.parent.fingerprint
  platform            = "packer.file"
  region              = "out"
}

source "file" "child" {
  source = data.hcp-packer-artifact.parent.external_identifier
  target = "out/child.txt"
}

build {
  sources = ["source.file.child"]
}
