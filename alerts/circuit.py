"""Per-receiver circuit breaker: after ``failures`` consecutive failed attempts the receiver
is left alone for ``reset_s`` (open); then one trial attempt (half-open) closes it again or
reopens it for twice as long (capped at 16x).

>>> c = CircuitBreaker(failures=2, reset_s=10)
>>> c.failure(0.0); c.failure(1.0); c.allow(5.0), c.allow(11.0)
(False, True)
"""

from __future__ import annotations

__all__ = ["CircuitBreaker"]


class CircuitBreaker:
    def __init__(self, failures: int = 5, reset_s: float = 30.0) -> None:
        self.threshold = failures
        self.reset_s = reset_s
        self._consecutive = 0
        self._open_until: float | None = None
        self._trips = 0

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    def allow(self, now: float) -> bool:
        """May we try now? (Open: no until ``reset_s`` passed; then one trial.)"""
        return self._open_until is None or now >= self._open_until

    def retry_at(self) -> float | None:
        return self._open_until

    def success(self) -> None:
        self._consecutive = 0
        self._open_until = None
        self._trips = 0

    def failure(self, now: float) -> None:
        self._consecutive += 1
        if self._open_until is not None or self._consecutive >= self.threshold:
            self._trips = min(self._trips + 1, 5)
            self._open_until = now + self.reset_s * 2 ** (self._trips - 1)
