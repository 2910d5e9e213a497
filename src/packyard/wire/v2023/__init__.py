"""The 2023-01-01 plane: buckets, versions, builds, artifacts, over the same services."""
