"""Series names the monitor exports, for checking dashboards and rules against them.

Three modules define the metrics: the core (``monitor/metrics.py``), the Kafka workers
(``streams/metrics.py``) and alert delivery (``alerts/metrics.py``). Names from a module
that is not in this tree yet are accepted from :data:`DECLARED` and reported by
:func:`unverified`, so the check tightens by itself once the module lands.
"""

from __future__ import annotations

import importlib

from prometheus_client import CollectorRegistry

from monitor.metrics import Metrics

#: Series a metric family of each type exposes (``_created`` is left out on purpose:
#: nothing should be built on it).
_SUFFIXES = {
    "counter": ("_total",),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count"),
    "info": ("_info",),
}

#: Names used by the deploy assets and defined outside monitor/metrics.py, by module.
DECLARED = {
    "streams.metrics": {"safety_monitor_kafka_consumer_lag_messages"},
    "alerts.metrics": {
        "safety_monitor_alert_delivery_attempts_total",
        "safety_monitor_alert_notifications_total",
    },
}


def _names(registry: CollectorRegistry) -> set[str]:
    names = set()
    for family in registry.collect():
        names.update(family.name + suffix for suffix in _SUFFIXES[family.type])
    return names


def _register_optional(module: str, metrics: Metrics) -> bool:
    """Register a module's metrics on ``metrics.registry``; False if it is not here."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return False
    if module == "streams.metrics":
        mod.StreamMetrics(metrics)
    else:
        mod.AlertMetrics(metrics.registry)
    return True


def exported_metric_names() -> set[str]:
    """From the metric definitions, so a metric with no samples yet still counts."""
    metrics = Metrics(CollectorRegistry())
    declared: set[str] = set()
    for module, names in DECLARED.items():
        if not _register_optional(module, metrics):
            declared |= names
    return _names(metrics.registry) | declared


def unverified() -> list[str]:
    """Modules whose declared names could not be checked against their definitions."""
    return [m for m in DECLARED if not _register_optional(m, Metrics(CollectorRegistry()))]
