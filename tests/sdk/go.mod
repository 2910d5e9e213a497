module packyard.test/sdk

go 1.26

require github.com/hashicorp/hcp-sdk-go v0.175.0 // indirect
