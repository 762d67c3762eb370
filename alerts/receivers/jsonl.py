"""A JSONL file receiver: one notification per line, fsynced (an audit trail)."""

from __future__ import annotations

import os
import threading

import httpx
import msgspec

from alerts.outbox import Notification
from alerts.receivers.base import OK, Receiver, SendResult

__all__ = ["JsonlReceiver"]

_encoder = msgspec.json.Encoder()


class JsonlReceiver(Receiver):
    kinds = frozenset({"trigger", "repeat", "escalate", "ack", "resolve"})
    uses_http = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()

    def send(self, batch: list[Notification], client: httpx.Client | None) -> SendResult:
        data = b"".join(
            _encoder.encode(
                {
                    "receiver": self.name,
                    "kind": n.kind,
                    "idempotency_key": n.idempotency_key,
                    "tier": n.tier,
                    "alert": n.event,
                }
            )
            + b"\n"
            for n in batch
        )
        try:
            with self._lock:
                fd = os.open(self.cfg.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
                try:
                    os.write(fd, data)
                    os.fsync(fd)
                finally:
                    os.close(fd)
        except OSError as exc:
            return SendResult(False, "error", True, None, f"{self.cfg.path}: {exc.strerror}")
        return OK
