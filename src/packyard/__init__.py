"""Packyard: a self-hosted image-metadata registry that speaks the HCP Packer API."""

__version__ = "0.1.0"
