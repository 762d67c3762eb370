"""Where samples come from for the embedded runner: demo traffic, a JSONL file, or stdin.

A source yields either ready :class:`~monitor.contract.Sample` objects (demo) or
:class:`RawRecord` lines that the runner decodes, so a malformed line reaches the dead
letters with its origin (``file:line``) instead of stopping the stream.

>>> parse_source("jsonl:/tmp/x.jsonl")
('jsonl', '/tmp/x.jsonl')
>>> parse_source("-")
('stdin', '-')
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from monitor.contract import MAX_RECORD_BYTES, Sample
from monitor.demo import demo_samples


class SourceError(ValueError):
    """A source specification that cannot be used."""


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One undecoded line and where it came from."""

    data: bytes
    origin: str
    #: Set when the line was longer than the record limit: only its head is kept.
    oversized: int = 0


def parse_source(spec: str) -> tuple[str, str]:
    """Split ``demo``, ``jsonl:PATH``, ``-`` (stdin) or a bare ``PATH`` into (kind, where)."""
    if spec == "demo":
        return "demo", ""
    if spec in ("-", "stdin", "jsonl:-"):
        return "stdin", "-"
    if spec.startswith("jsonl:"):
        return "jsonl", spec.removeprefix("jsonl:")
    if spec == "kafka":
        raise SourceError("--source kafka runs Faust workers: use `safety-monitor worker`")
    if spec.endswith((".jsonl", ".json", ".ndjson")):
        return "jsonl", spec
    raise SourceError(f"unknown source {spec!r}: use demo, jsonl:PATH or - (stdin)")


def open_source(spec: str, *, seed: int = 0) -> Iterator[Sample | RawRecord]:
    """Records of the source named by ``spec`` (see :func:`parse_source`)."""
    kind, where = parse_source(spec)
    if kind == "demo":
        return demo_samples(seed=seed)
    if kind == "stdin":
        return read_lines(sys.stdin.buffer, "stdin")
    path = Path(where)
    if not path.is_file():
        raise SourceError(f"no such file: {where}")
    return _read_file(path)


def _read_file(path: Path) -> Iterator[RawRecord]:
    with path.open("rb") as stream:
        yield from read_lines(stream, path.name)


def read_lines(stream: BinaryIO, name: str, limit: int = MAX_RECORD_BYTES) -> Iterator[RawRecord]:
    """Non-blank lines of a binary stream; a line over ``limit`` bytes is cut, not buffered."""
    number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            size = len(line) + _skip_rest_of_line(stream)
            yield RawRecord(line[:limit], f"{name}:{number}", oversized=size)
            continue
        if line.strip():
            yield RawRecord(line, f"{name}:{number}")


def _skip_rest_of_line(stream: BinaryIO, chunk: int = 1 << 20) -> int:
    skipped = 0
    while True:
        part = stream.readline(chunk)
        skipped += len(part)
        if not part or part.endswith(b"\n"):
            return skipped
