"""Use cases: each takes the desk and returns a typed result."""
