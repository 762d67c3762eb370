"""Kafka-side metrics of a worker, on the same registry as the core's :class:`Metrics`.

Label values are bounded: partitions of the samples topic (a fixed, small set), event kinds
and topic roles; never sample ids or offsets.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from monitor.metrics import Metrics


class StreamMetrics:
    def __init__(self, metrics: Metrics) -> None:
        self.core = metrics
        r = metrics.registry
        self.lag = Gauge(
            "safety_monitor_kafka_consumer_lag_messages",
            "Samples not yet processed: fetch high watermark minus position.",
            ["partition"],
            registry=r,
        )
        self.partition_samples = Counter(
            "safety_monitor_kafka_partition_samples_total",
            "Samples processed, by samples partition.",
            ["partition"],
            registry=r,
        )
        self.rebalances = Counter(
            "safety_monitor_kafka_rebalances_total",
            "Partition assignment changes seen by this worker.",
            ["event"],
            registry=r,
        )
        self.assigned = Gauge(
            "safety_monitor_kafka_assigned_partitions", "Samples partitions owned.", registry=r
        )
        self.snapshots = Counter(
            "safety_monitor_kafka_state_snapshots_total", "State snapshots written.", registry=r
        )
        self.snapshot_bytes = Gauge(
            "safety_monitor_kafka_state_snapshot_bytes",
            "Size of the last snapshot, by partition.",
            ["partition"],
            registry=r,
        )
        self.recovery = Histogram(
            "safety_monitor_kafka_recovery_seconds",
            "Time to restore a partition's state and outputs on assignment.",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=r,
        )
        self.replayed = Counter(
            "safety_monitor_kafka_replayed_samples_total",
            "Samples re-read after a restart whose posture was already in the snapshot "
            "(skipped) or whose outputs were already published (not re-sent).",
            ["kind"],
            registry=r,
        )
        self.misrouted = Counter(
            "safety_monitor_kafka_misrouted_samples_total",
            "Samples not keyed by the configured partition key (their state is split).",
            registry=r,
        )
        self.labels_joined = Counter(
            "safety_monitor_kafka_labels_total",
            "Labels read, by what became of them.",
            ["result"],
            registry=r,
        )
