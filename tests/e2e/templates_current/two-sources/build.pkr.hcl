# Two sources that need no cloud, published to the registry through hcp_packer_registry.
# `bucket` names the bucket; `fail_code` is the exit code of a shell-local step that runs
# on null.a only, so a run can fail one build and leave the other BUILD_DONE.

variable "bucket" {
  type = string
}

variable "fail_code" {
  type    = number
  default = 0
}

# Top level, as Packer >= 1.12.1 recommends (inside `build` it is deprecated, with a warning).
hcp_packer_registry {
  bucket_name = var.bucket
  description = "Packyard e2e: null and file sources"
  bucket_labels = {
    "team" = "packyard"
    "os"   = "none"
  }
  build_labels = {
    "pipeline" = "e2e"
    "packer"   = "1.16"
  }
}

source "null" "a" {
  communicator = "none"
}

source "file" "b" {
  content = "x"
  target  = "out/b.txt"
}

build {
  sources = ["source.null.a", "source.file.b"]

  provisioner "shell-local" {
    only = ["null.a"]
    inline = [
      "echo provisioning null.a with exit code ${var.fail_code}",
      "exit ${var.fail_code}",
    ]
  }
}
