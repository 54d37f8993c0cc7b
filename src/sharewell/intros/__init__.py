"""Introductions: double-opt-in requests along a path, with consent at every step."""
