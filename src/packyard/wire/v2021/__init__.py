"""The 2021-04-30 plane: images (buckets), iterations (versions), builds, images (artifacts)."""
