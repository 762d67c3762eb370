"""Configuration of the Kafka deployment: broker, topic names, partition counts, sessions.

One small frozen object, built from defaults, then ``SAFETY_MONITOR_KAFKA_*`` environment
variables, then explicit overrides (CLI flags), in that order of precedence.

>>> cfg = StreamsConfig.from_env({"SAFETY_MONITOR_KAFKA_PARTITIONS": "6"})
>>> cfg.partitions, cfg.topic("samples")
(6, 'safety-monitor.samples')
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass

#: Logical topic -> suffix of its name. ``state`` is the changelog of stage-2 state;
#: ``learning`` carries labels joined to their samples to every worker's classifier.
TOPIC_ROLES = (
    "samples",
    "labels",
    "verdicts",
    "alerts",
    "escalations",
    "review",
    "dead-letters",
    "state",
    "learning",
)

_ENV = "SAFETY_MONITOR_KAFKA_"
PARTITION_KEYS = ("surface", "model|surface")


@dataclass(frozen=True)
class StreamsConfig:
    bootstrap_servers: str = "127.0.0.1:9092"
    #: Topic names are ``prefix + role`` (``safety-monitor.samples``, ...).
    prefix: str = "safety-monitor."
    #: What samples are keyed by at ingest: every piece of the core's state must live in
    #: one partition. ``surface``: segments, domain mixes and rollout canaries (which
    #: compare models on a surface) are all partition-local. ``model|surface``: more
    #: parallelism, but a canary's candidate and incumbent models may sit in different
    #: partitions, so rollout canaries are not detected.
    partition_key: str = "surface"
    #: Partitions of samples, and of the topics aligned with it (verdicts, review, state):
    #: the unit of parallelism, and it must not change once data flows (keys would move).
    partitions: int = 8
    #: Partitions of the keyed side topics (labels, alerts, escalations, dead letters).
    side_partitions: int = 4
    replication_factor: int = 1
    group_id: str = "safety-monitor"
    #: Production defaults; tests on Tansu use 2000/500 (see FIELD-NOTES: JoinGroup delay).
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    #: Most samples handed to the core at once (the classifiers are vectorised).
    batch_size: int = 2_000
    poll_timeout_ms: int = 200
    #: State snapshots per partition at most this often; outputs are flushed before each.
    snapshot_interval_s: float = 1.0
    #: Bounded label join store: recent samples kept for labels that arrive later.
    label_join_capacity: int = 100_000
    #: Classifier snapshot (``--classifier-snapshot``) save period.
    classifier_save_interval_s: float = 60.0
    #: Largest state snapshot message (bytes, compressed).
    max_snapshot_bytes: int = 16 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.partition_key not in PARTITION_KEYS:
            raise ValueError(f"partition_key must be one of {PARTITION_KEYS}")

    def topic(self, role: str) -> str:
        if role not in TOPIC_ROLES:
            raise KeyError(role)
        return self.prefix + role

    def partitions_of(self, role: str) -> int:
        aligned = ("samples", "verdicts", "review", "state")
        return self.partitions if role in aligned else self.side_partitions

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> StreamsConfig:
        """Defaults, then ``SAFETY_MONITOR_KAFKA_<FIELD>`` variables, then ``overrides``."""
        env = os.environ if env is None else env
        values: dict = {}
        for f in dataclasses.fields(cls):
            raw = env.get(_ENV + f.name.upper())
            if raw is not None:
                values[f.name] = _parse(raw, type(f.default))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes) -> StreamsConfig:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def _parse(raw: str, kind: type):
    if kind is bool:
        return raw.lower() in ("1", "true", "yes")
    return kind(raw)
