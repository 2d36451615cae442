"""A small in-process rate limiter (sliding window per key) for the public and login forms.

One process holds the counts; behind several workers each keeps its own window, so the effective
limit is per worker — acceptable for a form abuse guard (documented in docs/web.md).
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds for each key (client address)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        """Record one event for ``key``; False (and nothing recorded) when over the limit."""
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            if len(self._events) > 10000:  # forget idle keys so memory stays bounded
                for k in [k for k, v in self._events.items() if not v][:5000]:
                    del self._events[k]
            return True

    @classmethod
    def from_env(cls, name: str, default: str) -> RateLimiter:
        """``QIANDAI_RATE_<NAME>="5/600"`` (events/seconds), else ``default``."""
        spec = os.environ.get(f"QIANDAI_RATE_{name.upper()}", default)
        limit, _, window = spec.partition("/")
        return cls(int(limit), float(window))
