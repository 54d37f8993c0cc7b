"""How often a process reads a change log (the graph's and the term index's share the rule)."""

from __future__ import annotations

import time


class PollGate:
    """Says when a poll is due: at most once per ``every`` seconds (0: every time)."""

    def __init__(self, every: float) -> None:
        self.every = every
        self._last = 0.0

    def due(self) -> bool:
        now = time.monotonic()
        if now - self._last < self.every:
            return False
        self._last = now
        return True

    def reset(self) -> None:
        """The next call is due (after a build: read what was committed meanwhile)."""
        self._last = 0.0
