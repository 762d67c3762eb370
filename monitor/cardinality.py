"""Bounded cardinality: the first ``cap`` distinct values of a field pass, the rest fold
into one overflow value, so a flood of model or surface names can blow up neither the
monitor's segment state nor Prometheus.

"""

from __future__ import annotations

__all__ = ["OVERFLOW", "BoundedLabel"]

OVERFLOW = "__overflow__"


class BoundedLabel:
    """Passes the first ``cap`` distinct values through and folds the rest into one value.

    >>> models = BoundedLabel(cap=2)
    >>> [models("a"), models("b"), models("c"), models("a")]
    ['a', 'b', '__overflow__', 'a']
    """

    __slots__ = ("_seen", "cap")

    def __init__(self, cap: int = 50) -> None:
        self.cap = cap
        self._seen: set[str] = set()

    def __call__(self, value: str) -> str:
        if value in self._seen:
            return value
        if len(self._seen) >= self.cap:
            return OVERFLOW
        self._seen.add(value)
        return value
