"""Series names the monitor exports, for checking dashboards and rules against them."""

from __future__ import annotations

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


def exported_metric_names() -> set[str]:
    """From the metric definitions, so a metric with no samples yet still counts."""
    names = set()
    for family in Metrics(CollectorRegistry()).registry.collect():
        names.update(family.name + suffix for suffix in _SUFFIXES[family.type])
    return names
