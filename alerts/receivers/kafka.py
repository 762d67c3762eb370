"""Kafka topic receiver: the seam the Kafka issue wires.

``producer`` is anything with ``send(topic: str, key: bytes, value: bytes)`` that raises on
failure and returns once the broker has the message (e.g. a thin wrapper around
kafka-python's ``KafkaProducer.send(...).get(timeout)``). The key is the ``dedup_key``, so
all notifications of an incident land on one partition, in order; the value is the
contract section 4 event plus ``kind``, ``tier`` and ``idempotency_key``.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx
import msgspec

from alerts.outbox import Notification
from alerts.receivers.base import OK, Receiver, SendResult

__all__ = ["KafkaProducerLike", "KafkaReceiver"]

_encoder = msgspec.json.Encoder()


class KafkaProducerLike(Protocol):
    def send(self, topic: str, key: bytes, value: bytes) -> Any: ...


class KafkaReceiver(Receiver):
    kinds = frozenset({"trigger", "escalate", "ack", "resolve"})
    uses_http = False

    def __init__(self, *args, producer: KafkaProducerLike, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._producer = producer

    def send(self, batch: list[Notification], client: httpx.Client | None) -> SendResult:
        for n in batch:
            value = _encoder.encode(
                {
                    "kind": n.kind,
                    "tier": n.tier,
                    "idempotency_key": n.idempotency_key,
                    "alert": n.event,
                }
            )
            try:
                self._producer.send(self.cfg.topic, n.dedup_key.encode(), value)
            except Exception as exc:  # any producer failure is retried
                return SendResult(False, "error", True, None, f"{type(exc).__name__}: {exc}")
        return OK
