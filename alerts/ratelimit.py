"""Per-receiver token bucket. Over the limit, sends wait; nothing is dropped.

>>> b = TokenBucket(per_minute=60, burst=2)
>>> b.take(0.0), b.take(0.0), b.take(0.0)
(0.0, 0.0, 1.0)
"""

from __future__ import annotations

__all__ = ["TokenBucket"]


class TokenBucket:
    def __init__(self, per_minute: float, burst: int | None = None) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(1, int(per_minute // 6)))
        self._tokens = self.capacity
        self._at: float | None = None

    def take(self, now: float, n: int = 1) -> float:
        """Take ``n`` tokens if available and return 0, else return the seconds to wait."""
        if self._at is not None:
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
        self._at = now
        need = min(float(n), self.capacity)
        if self._tokens >= need:
            self._tokens -= need
            return 0.0
        return (need - self._tokens) / self.rate
