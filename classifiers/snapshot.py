"""Atomic, versioned snapshots: named numpy arrays plus JSON metadata in one ``.npz`` file.

Written to a temporary file in the target directory, flushed to disk, then renamed over the
target with ``os.replace``, so a reader sees the old snapshot or the new one, never half.

>>> import numpy as np, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "s.npz")
>>> write_snapshot(path, {"kind": "demo"}, {"w": np.ones(2)})
>>> meta, arrays = read_snapshot(path)
>>> meta["kind"], arrays["w"].tolist()
('demo', [1.0, 1.0])
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

#: Bumped when the file layout changes; older files are refused with a clear error.
FORMAT = 2


class SnapshotError(ValueError):
    """A snapshot that cannot be read (missing, corrupt, or of another format)."""


def write_snapshot(
    path: str | os.PathLike, meta: dict[str, Any], arrays: dict[str, np.ndarray]
) -> None:
    """Atomically write ``meta`` (JSON-able) and ``arrays`` to ``path``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    blob = json.dumps({"format": FORMAT, **meta}).encode()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, __meta__=np.frombuffer(blob, dtype=np.uint8), **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_snapshot(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(meta, arrays)`` from a snapshot written by :func:`write_snapshot`."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise SnapshotError(f"{path}: cannot read snapshot: {exc}") from None
    raw = arrays.pop("__meta__", None)
    if raw is None:
        raise SnapshotError(f"{path}: not a classifier snapshot (no metadata)")
    meta = json.loads(raw.tobytes())
    if meta.get("format") != FORMAT:
        raise SnapshotError(f"{path}: snapshot format {meta.get('format')}, expected {FORMAT}")
    return meta, arrays
