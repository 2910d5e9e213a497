"""The registry's own vocabulary and rules: plain Python, no HTTP, no SQL."""
