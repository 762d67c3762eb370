"""Evidence: a few recent exemplar samples per stream, for the alerts that cite them.

Only samples that count as events (an under-refusal, an over-refusal, ...) are kept, in a
small ring per stream, so memory stays bounded however long the stream runs. Excerpts are
cut and redacted of personal data when an alert is built, never before: most exemplars are
never shown.

>>> ring = Exemplars(size=2)
>>> for i in range(3):
...     ring.add(f"s-{i}", "request", "response")
>>> [e.sample_id for e in ring.evidence()]
['s-2', 's-1']
"""

from __future__ import annotations

from collections import deque

from alerts.redact import redact
from monitor.contract import Evidence

#: Characters of request and of response kept in an excerpt.
EXCERPT_CHARS = 160


class Exemplars:
    """The most recent ``size`` event samples of one stream."""

    __slots__ = ("_ring",)

    def __init__(self, size: int = 3) -> None:
        self._ring: deque[tuple[str, str, str]] = deque(maxlen=size)

    def add(self, sample_id: str, request: str, response: str) -> None:
        # Keep only what an excerpt can show (whitespace folds later): bounded per stream.
        keep = 2 * EXCERPT_CHARS
        self._ring.append((sample_id, request[:keep], response[:keep]))

    def evidence(self) -> list[Evidence]:
        """Newest first, excerpts cut and redacted."""
        return [
            Evidence(sample_id, excerpt(request, response))
            for sample_id, request, response in reversed(self._ring)
        ]


def excerpt(request: str, response: str, limit: int = EXCERPT_CHARS) -> str:
    """``user: ... | assistant: ...``, each side cut to ``limit`` characters, redacted."""
    return redact(f"user: {_cut(request, limit)} | assistant: {_cut(response, limit)}")


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
