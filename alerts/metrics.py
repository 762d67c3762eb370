"""Prometheus metrics of the alerting layer, registered on a registry passed in.

Names start ``safety_monitor_alert_``; label values come from bounded sets (receiver names,
rule, severity, kind, outcome, reason), never from ids.
"""

from __future__ import annotations

import threading
import weakref

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["AlertMetrics", "metrics_for"]


class AlertMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        p = "safety_monitor_alert"
        self.events = Counter(
            f"{p}_events_total",
            "Alert events received from the core.",
            ["status", "rule", "severity"],
            registry=registry,
        )
        self.notifications = Counter(
            f"{p}_notifications_total",
            "Notifications by final outcome (delivered, dead, failed_over, skipped).",
            ["receiver", "kind", "outcome"],
            registry=registry,
        )
        self.enqueued = Counter(
            f"{p}_enqueued_total",
            "Notifications written to the outbox.",
            ["receiver", "kind"],
            registry=registry,
        )
        self.attempts = Counter(
            f"{p}_delivery_attempts_total",
            "Delivery attempts by result (ok, http_429, http_5xx, http_4xx, timeout, "
            "connection, error).",
            ["receiver", "result"],
            registry=registry,
        )
        self.suppressed = Counter(
            f"{p}_suppressed_total",
            "Notifications held back (silenced, maintenance, inhibited).",
            ["reason", "rule"],
            registry=registry,
        )
        self.escalations = Counter(
            f"{p}_escalations_total", "Escalations to a next tier.", ["severity"], registry=registry
        )
        self.acks = Counter(
            f"{p}_acknowledgements_total",
            "Acknowledgements by channel.",
            ["via"],
            registry=registry,
        )
        self.rate_limited = Counter(
            f"{p}_rate_limited_total",
            "Sends delayed by the per-receiver rate limit.",
            ["receiver"],
            registry=registry,
        )
        self.latency = Histogram(
            f"{p}_delivery_latency_seconds",
            "From enqueue to confirmed delivery.",
            ["receiver"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900),
        )
        self.pending = Gauge(
            f"{p}_outbox_pending",
            "Notifications waiting in the outbox.",
            ["receiver"],
            registry=registry,
        )
        self.circuit_open = Gauge(
            f"{p}_circuit_open",
            "1 while the receiver's breaker is open.",
            ["receiver"],
            registry=registry,
        )
        self.active = Gauge(
            f"{p}_active_incidents", "Incidents firing or acknowledged.", registry=registry
        )


_cache: weakref.WeakKeyDictionary[CollectorRegistry, AlertMetrics] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def metrics_for(registry: CollectorRegistry | None = None) -> AlertMetrics:
    """The metrics on ``registry`` (default: the global one), created once per registry."""
    registry = REGISTRY if registry is None else registry
    with _lock:
        found = _cache.get(registry)
        if found is None:
            found = _cache[registry] = AlertMetrics(registry)
        return found
