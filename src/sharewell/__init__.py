"""Sharewell: a self-hostable professional sharing network."""

__version__ = "0.1.0"
