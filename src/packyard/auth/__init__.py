"""Service principals, their secrets, and the bearer tokens they exchange them for."""
