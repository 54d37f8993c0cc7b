"""The ``sharewell`` command."""
