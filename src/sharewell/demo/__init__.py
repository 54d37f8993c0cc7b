"""The demo network generator: deterministic, plausible, and extended by every area."""
