"""The topics of a deployment, and ``safety-monitor topics create``.

Partition counts are part of the design, not an afterthought: samples are keyed
by surface at ingest, and verdicts, review entries and state snapshots of samples
partition *p* are written to partition *p* of their topics, so stage 2 never needs a
repartition hop and recovery knows exactly where to look.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from streams.config import TOPIC_ROLES, StreamsConfig

log = structlog.get_logger("safety_monitor.topics")

_WEEK_MS = str(7 * 24 * 3600 * 1000)


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    configs: dict[str, str] = field(default_factory=dict)


def topic_specs(config: StreamsConfig) -> list[TopicSpec]:
    """Every topic with its partitions and configs."""
    specs = []
    for role in TOPIC_ROLES:
        configs = {"retention.ms": _WEEK_MS}
        if role == "state":
            # Only the latest snapshot per key matters; big snapshots are allowed.
            configs = {
                "cleanup.policy": "compact",
                "max.message.bytes": str(config.max_snapshot_bytes),
            }
        elif role in ("alerts", "escalations"):
            configs = {"retention.ms": str(90 * 24 * 3600 * 1000)}
        specs.append(TopicSpec(config.topic(role), config.partitions_of(role), configs))
    return specs


def create_topics(config: StreamsConfig, *, timeout_ms: int = 10_000) -> dict[str, str]:
    """Create missing topics; returns name -> "created" | "exists"."""
    admin = KafkaAdminClient(
        bootstrap_servers=config.bootstrap_servers, client_id="safety-monitor-admin"
    )
    outcome: dict[str, str] = {}
    try:
        existing = set(admin.list_topics())
        new = []
        for spec in topic_specs(config):
            if spec.name in existing:
                outcome[spec.name] = "exists"
                continue
            new.append(
                NewTopic(
                    spec.name,
                    num_partitions=spec.partitions,
                    replication_factor=config.replication_factor,
                    topic_configs=spec.configs,
                )
            )
        for topic in new:
            # One at a time: a broker that rejects one config must not hide the others.
            try:
                admin.create_topics([topic], timeout_ms=timeout_ms)
                outcome[topic.name] = "created"
            except TopicAlreadyExistsError:
                outcome[topic.name] = "exists"
            log.info(
                "topic",
                name=topic.name,
                partitions=topic.num_partitions,
                status=outcome[topic.name],
            )
    finally:
        admin.close()
    return outcome
