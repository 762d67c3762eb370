"""Alert sinks: where the core's alert events go. The runner calls ``emit`` per event and
``close`` once at the end.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "alerts.jsonl"
>>> sink = JsonlSink(path)
>>> sink.close()
>>> path.exists()
True
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from monitor.contract import AlertEvent, encode


class AlertSink(Protocol):
    def emit(self, event: AlertEvent) -> None: ...

    def close(self) -> None: ...


class JsonlSink:
    """Appends one JSON line per event; flushed per event, fsynced on close."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("ab")

    def emit(self, event: AlertEvent) -> None:
        self._file.write(encode(event) + b"\n")
        self._file.flush()

    def close(self) -> None:
        if self._file.closed:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
