"""Stage-2 state of one samples partition, and its changelog (the ``state`` topic).

A snapshot is the core's per-segment state for every segment of the partition *together
with the last source offset applied to it*, written as one message: state and position can
never disagree, so recovery neither loses nor double-counts a sample. It also records where
the output topics ended when it was taken; after a crash the worker reads outputs from there
to learn which ones it already published, and does not publish them again.

Snapshot values are pickles (the core's state is plain Python objects): the state topic is
internal and must be writable by the workers only (ACLs), like any Kafka Streams changelog.
"""

from __future__ import annotations

import pickle
import time
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import structlog
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

log = structlog.get_logger("safety_monitor.state")

#: Message header carrying an output's identity (sample id, alert id, origin).
ID_HEADER = "sm-id"
#: Message header carrying the samples partition and offset an output came from.
SOURCE_HEADER = "sm-src"
_FORMAT = 1


@dataclass
class PartitionState:
    partition: int
    #: Last source offset whose sample is in ``segments`` (-1: none yet).
    applied: int = -1
    segments: dict = field(default_factory=dict)
    samples_seen: int = 0
    #: The core's other partition-local state: per-(model, surface) request-domain mixes and
    #: anomaly-rate detectors, and per-surface rollouts (canary comparisons). None until the
    #: core has them.
    mixes: dict | None = None
    rollouts: object | None = None
    #: topic -> partition -> an offset at or before which every later output starts.
    outputs_from: dict[str, dict[int, int]] = field(default_factory=dict)

    def encode(self) -> bytes:
        return zlib.compress(pickle.dumps((_FORMAT, self), protocol=5), 1)

    @staticmethod
    def decode(data: bytes) -> PartitionState:
        fmt, state = pickle.loads(zlib.decompress(data))
        if fmt != _FORMAT:
            raise ValueError(f"unknown snapshot format {fmt}")
        return state


class StateStore:
    """Writes snapshots to, and recovers them from, the state topic."""

    def __init__(self, topic: str, reader: KafkaConsumer, producer: KafkaProducer) -> None:
        self.topic = topic
        self._reader = reader
        self._producer = producer

    def save(self, states: list[PartitionState]) -> dict[int, int]:
        """Write snapshots and wait until the broker has them all; returns their sizes."""
        futures, sizes = [], {}
        for state in states:
            data = state.encode()
            sizes[state.partition] = len(data)
            # One snapshot per partition per call: each is its own record batch, which is
            # what Tansu's end-offset bug (FIELD-NOTES) needs to be harmless here.
            futures.append(
                self._producer.send(
                    self.topic,
                    key=str(state.partition).encode(),
                    value=data,
                    partition=state.partition,
                    headers=[("applied", str(state.applied).encode())],
                )
            )
        self._producer.flush()  # sends at once, not after linger_ms
        for future in futures:
            future.get(timeout=30)  # raises if the broker refused one
        return sizes

    def load(self, partition: int, *, tail: int = 8) -> PartitionState | None:
        """The newest snapshot of ``partition`` (the one with the highest applied offset)."""
        tp = TopicPartition(self.topic, partition)
        end = self._reader.end_offsets([tp])[tp]
        if not end:
            return None
        best: tuple[int, bytes] | None = None
        for record in read_to_end(self._reader, {tp: max(0, end - tail)}):
            applied = int(dict(record.headers)["applied"])
            if best is None or applied >= best[0]:
                best = (applied, record.value)
        return PartitionState.decode(best[1]) if best else None


def read_to_end(
    reader: KafkaConsumer, start: Mapping[TopicPartition, int], *, timeout_s: float = 30.0
) -> Iterable:
    """Records of each partition from ``start`` up to its high watermark at read time.

    The end is the fetch high watermark, not ``end_offsets``: Tansu under-reports the latter
    after batched produces (FIELD-NOTES), which would cut a recovery short.
    """
    if not start:
        return
    reader.assign(list(start))
    for tp, offset in start.items():
        reader.seek(tp, offset)
    pending = set(start)
    deadline = time.monotonic() + timeout_s
    while pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"reading {sorted(map(str, pending))} to the end timed out")
        batch = reader.poll(timeout_ms=200, max_records=10_000)
        for records in batch.values():
            yield from records
        for tp in list(pending):
            high = reader.highwater(tp)
            if high is not None and reader.position(tp) >= high:
                pending.discard(tp)
    reader.assign([])


def emitted_ids(reader: KafkaConsumer, start: Mapping[TopicPartition, int]) -> set[str]:
    """Identities (``sm-id`` headers) of the output records from ``start`` to the end."""
    ids: set[str] = set()
    for record in read_to_end(reader, start):
        for key, value in record.headers or ():
            if key == ID_HEADER:
                ids.add(value.decode())
    return ids
