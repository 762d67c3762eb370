"""Label values of exported metrics stay bounded however many models and surfaces arrive."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from monitor.cardinality import OVERFLOW
from monitor.metrics import Metrics


def _series(metrics: Metrics, name: str) -> list[dict[str, str]]:
    return [
        s.labels for family in metrics.registry.collect() for s in family.samples if s.name == name
    ]


def test_a_flood_of_model_names_folds_into_overflow():
    metrics = Metrics(CollectorRegistry(), label_cap=50)
    for i in range(10_000):
        domain, model, surface = metrics.segment_labels("cyber", f"model-{i}", f"surface-{i % 7}")
        metrics.verdicts.labels(domain, model, surface, "ok").inc()
    models = {labels["model"] for labels in _series(metrics, "safety_monitor_verdicts_total")}
    assert len(models) == 51  # the first 50 names and the overflow value
    assert OVERFLOW in models
    assert "model-49" in models and "model-50" not in models
    overflow = metrics.registry.get_sample_value(
        "safety_monitor_verdicts_total",
        {"domain": "cyber", "model": OVERFLOW, "surface": "surface-0", "outcome": "ok"},
    )
    assert overflow is not None and overflow > 1000
    # Surfaces below the cap pass through unchanged.
    surfaces = {labels["surface"] for labels in _series(metrics, "safety_monitor_verdicts_total")}
    assert surfaces == {f"surface-{i}" for i in range(7)}


def test_known_names_keep_their_series_after_the_cap():
    metrics = Metrics(CollectorRegistry(), label_cap=2)
    assert [metrics.models(m) for m in ("a", "b", "c", "a", "b", "d")] == [
        "a",
        "b",
        OVERFLOW,
        "a",
        "b",
        OVERFLOW,
    ]
