"""Dead letters: input that broke the contract, set aside with its reason, never dropped.

The file is JSONL, one object per bad record: where it came from, why it was refused, and
the raw text (cut at :data:`monitor.contract.MAX_RECORD_BYTES`) so it can be fixed and
replayed. The file is only created when the first bad record arrives.

>>> import tempfile, pathlib, json
>>> path = pathlib.Path(tempfile.mkdtemp()) / "dead.jsonl"
>>> letters = DeadLetters(path)
>>> letters.add(b"{not json", "file.jsonl:3", "JSON is malformed")
>>> letters.close()
>>> json.loads(path.read_text())["reason"]
'JSON is malformed'
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO

import msgspec

from monitor.contract import MAX_RECORD_BYTES


class DeadLetter(msgspec.Struct):
    origin: str
    reason: str
    kind: str
    raw: str
    raw_bytes: int
    truncated: bool
    received_at: dt.datetime


def reason_kind(reason: str) -> str:
    """A bounded category of a reason, for metric labels."""
    lowered = reason.lower()
    for kind, marker in (
        ("size", "limit"),
        ("nul", "nul byte"),
        ("encoding", "utf-8"),
        ("json", "json"),
    ):
        if marker in lowered:
            return kind
    return "validation"


class DeadLetters:
    """Appends bad records to a JSONL file and counts them."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path is not None else None
        self._file: IO[bytes] | None = None
        self._encoder = msgspec.json.Encoder()
        self.count = 0

    def add(self, raw: bytes | str, origin: str, reason: str, size: int | None = None) -> str:
        """Record one bad record (``size``: its full length when ``raw`` is only its head);
        returns its reason kind."""
        self.count += 1
        kind = reason_kind(reason)
        if self.path is None:
            return kind
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw
        size = max(size or 0, len(data))
        truncated = size > MAX_RECORD_BYTES
        letter = DeadLetter(
            origin=origin,
            reason=reason,
            kind=kind,
            raw=data[:MAX_RECORD_BYTES].decode("utf-8", "replace"),
            raw_bytes=size,
            truncated=truncated,
            received_at=dt.datetime.now(dt.UTC),
        )
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("ab")
        self._file.write(self._encoder.encode(letter) + b"\n")
        return kind

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
