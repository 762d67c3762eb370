"""The seam with the core: the :class:`AlertSink` protocol and the simple sinks.

The core pipeline hands every :class:`~monitor.contract.AlertEvent` (``firing`` or
``resolved``) to a sink. ``emit`` must not block the stream for long; ``close`` flushes.

- :class:`JsonlSink` appends one JSON line per event (``--alerts-out FILE``), fsync on close.
- :class:`alerts.router.AlertRouter` routes and delivers (outbox, retries, receivers).
- :class:`FanoutSink` hands each event to several sinks (e.g. both of the above).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import IO, Protocol, runtime_checkable

import msgspec

from alerts.redact import redact
from monitor.contract import AlertEvent, Evidence, encode

__all__ = ["AlertSink", "FanoutSink", "JsonlSink", "redact_event"]


@runtime_checkable
class AlertSink(Protocol):
    def emit(self, event: AlertEvent) -> None: ...  # must not block the stream for long

    def close(self) -> None: ...  # flush what it holds


def redact_event(event: AlertEvent) -> AlertEvent:
    """``event`` with every evidence excerpt (and the summary) redacted (idempotent)."""
    cleaned = [Evidence(ev.sample_id, redact(ev.excerpt)) for ev in event.evidence]
    summary = redact(event.summary) if event.summary else event.summary
    if summary == event.summary and all(
        a.excerpt == b.excerpt for a, b in zip(cleaned, event.evidence, strict=True)
    ):
        return event
    return msgspec.structs.replace(event, evidence=cleaned, summary=summary)


class JsonlSink:
    """Append each event as one JSON line; lines are flushed per event, fsynced on close.

    ``record`` writes other journal entries (escalation and acknowledgement events).
    """

    def __init__(self, path: str | Path, *, fsync_every: int = 0) -> None:
        self.path = Path(path)
        if str(path) != "-":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[bytes] = open(self.path, "ab")  # noqa: SIM115 - closed in close()
        self._lock = threading.Lock()
        self._fsync_every = fsync_every
        self._count = 0

    def emit(self, event: AlertEvent) -> None:
        self._write(encode(redact_event(event)))

    def record(self, entry: msgspec.Struct) -> None:
        self._write(encode(entry))

    def _write(self, line: bytes) -> None:
        with self._lock:
            if self._fh.closed:
                raise ValueError(f"{self.path}: sink is closed")
            self._fh.write(line + b"\n")
            self._fh.flush()
            self._count += 1
            if self._fsync_every and self._count % self._fsync_every == 0:
                os.fsync(self._fh.fileno())

    def close(self) -> None:
        with self._lock:
            if self._fh.closed:
                return
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()


class FanoutSink:
    """Emit to several sinks in order; one failing sink does not starve the others."""

    def __init__(self, *sinks: AlertSink) -> None:
        self.sinks = list(sinks)

    def emit(self, event: AlertEvent) -> None:
        errors: list[BaseException] = []
        for sink in self.sinks:
            try:
                sink.emit(event)
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()
