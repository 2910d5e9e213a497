"""Use cases: each is one function over one transaction, shared by every wire plane."""
