# Two SBOMs downloaded from the machine by the hcp-sbom provisioner. The machine is the null
# builder's SSH communicator (a loopback SSH server whose SFTP root the test fills):
# `communicator = "none"` cannot download files. One SBOM is named, one is left for the
# registry to name.

variable "bucket" {
  type = string
}

variable "ssh_port" {
  type = number
}

variable "ssh_password" {
  type      = string
  sensitive = true
}

hcp_packer_registry {
  bucket_name = var.bucket
}

source "null" "machine" {
  ssh_host                 = "127.0.0.1"
  ssh_port                 = var.ssh_port
  ssh_username             = "packer"
  ssh_password             = var.ssh_password
  ssh_file_transfer_method = "sftp"
}

build {
  sources = ["source.null.machine"]

  provisioner "hcp-sbom" {
    source      = "/sbom/spdx.json"
    sbom_name   = "os-packages"
    destination = "./downloaded-spdx.json"
  }

  provisioner "hcp-sbom" {
    source = "/sbom/cyclonedx.json"
  }
}
