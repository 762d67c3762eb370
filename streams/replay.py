"""``safety-monitor replay PATH --topic T``: publish a JSONL file of samples or labels.

Samples are keyed by surface (or ``model|surface``: ``StreamsConfig.partition_key``), so
every segment, domain mix and rollout of a surface lands in one partition and the worker
keeps them without a repartition hop (see ``streams/README.md``). Labels are keyed by
``sample_id``. The producer is kafka-python's idempotent one (aiokafka's fails on Tansu, see
FIELD-NOTES), so a retried batch is never written twice. A malformed line goes to the
dead-letter topic (and file, when given) with its reason, and the replay goes on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import msgspec
import structlog
from kafka import KafkaProducer

from monitor.contract import ContractError, decode_label, decode_sample
from monitor.dead_letters import DeadLetter, DeadLetters, reason_kind
from monitor.sources import RawRecord, read_lines
from streams.config import StreamsConfig

log = structlog.get_logger("safety_monitor.replay")

_encoder = msgspec.json.Encoder()


@dataclass
class ReplayStats:
    published: int = 0
    dead_letters: int = 0


def sample_key(model: str, surface: str, how: str = "surface") -> bytes:
    """The partition key of a sample (``StreamsConfig.partition_key``): all the core's state
    a sample touches must live in the partition it lands in."""
    return surface.encode() if how == "surface" else f"{model}|{surface}".encode()


def make_producer(config: StreamsConfig, **overrides) -> KafkaProducer:
    settings = dict(
        bootstrap_servers=config.bootstrap_servers,
        client_id="safety-monitor-replay",
        enable_idempotence=True,
        acks="all",
        linger_ms=10,
        batch_size=512 * 1024,
        max_request_size=config.max_snapshot_bytes,
    )
    settings.update(overrides)
    return KafkaProducer(**settings)


def dead_letter_value(raw: bytes, origin: str, reason: str) -> bytes:
    """A dead-letter message: the same record as the dead-letter file holds."""
    return _encoder.encode(
        DeadLetter(
            origin=origin,
            reason=reason,
            kind=reason_kind(reason),
            raw=raw[:100_000].decode("utf-8", "replace"),
            raw_bytes=len(raw),
            truncated=len(raw) > 100_000,
            received_at=dt.datetime.now(dt.UTC),
        )
    )


def replay(
    path: str | Path,
    topic: str,
    config: StreamsConfig,
    *,
    kind: str = "auto",
    dead_letters: DeadLetters | None = None,
    producer: KafkaProducer | None = None,
) -> ReplayStats:
    """Publish every valid record of ``path`` to ``topic``; returns counts."""
    if kind == "auto":
        kind = "labels" if topic.endswith("labels") else "samples"
    path = Path(path)
    own = producer is None
    producer = producer or make_producer(config)
    try:
        with path.open("rb") as stream:
            stats = publish(
                read_lines(stream, path.name),
                topic,
                config,
                kind=kind,
                producer=producer,
                dead_letters=dead_letters,
            )
        producer.flush()
    finally:
        if own:
            producer.close()
        if dead_letters is not None:
            dead_letters.close()
    log.info(
        "replayed",
        path=str(path),
        topic=topic,
        kind=kind,
        published=stats.published,
        dead_letters=stats.dead_letters,
    )
    return stats


def publish(
    records: Iterable[RawRecord],
    topic: str,
    config: StreamsConfig,
    *,
    kind: str,
    producer: KafkaProducer,
    dead_letters: DeadLetters | None = None,
) -> ReplayStats:
    stats = ReplayStats()
    dead_topic = config.topic("dead-letters")
    for record in records:
        data = record.data.rstrip(b"\r\n")
        try:
            if record.oversized:
                raise ContractError(f"record is {record.oversized} bytes, over the limit")
            if kind == "labels":
                key = decode_label(data).sample_id.encode()
            else:
                sample = decode_sample(data)
                key = sample_key(sample.model, sample.surface, config.partition_key)
        except ContractError as exc:
            stats.dead_letters += 1
            producer.send(
                dead_topic,
                key=record.origin.encode(),
                value=dead_letter_value(data, record.origin, str(exc)),
            )
            if dead_letters is not None:
                dead_letters.add(data, record.origin, str(exc))
            continue
        producer.send(topic, key=key, value=data)
        stats.published += 1
    return stats
