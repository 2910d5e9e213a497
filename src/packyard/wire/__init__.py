"""Thin wire planes: parse the request, call a use case, render the spec's shape."""
