"""deploy/render_overview.py draws the README's posture overview from the metrics of a real
in-process demo run (the figure function comes from monitor/plots.py)."""

from __future__ import annotations

import importlib.util

import pytest
from prometheus_client import CollectorRegistry

from deploy.render_overview import rates_from_registry, render
from monitor.metrics import Metrics

needs_plots = pytest.mark.skipif(
    importlib.util.find_spec("monitor.plots") is None
    or importlib.util.find_spec("monitor.posture_summary") is None,
    reason="monitor/plots.py (the report's figures, issue 8) is not in this tree yet",
)


@needs_plots
def test_rates_come_from_the_exported_counters():
    metrics = Metrics(CollectorRegistry())
    seg = ("cyber", "m1", "chat", "under_refusal_rate")
    metrics.posture_observations.labels(*seg).inc(200)
    metrics.posture_events.labels(*seg).inc(10)
    metrics.posture_observations.labels("cyber", "m1", "api", "under_refusal_rate").inc(100)
    metrics.intended_max.labels("cyber", "under_refusal_rate").set(0.02)
    (rate,) = rates_from_registry(metrics.registry)
    assert (rate.domain, rate.model, rate.events, rate.n) == ("cyber", "m1", 10, 300)
    assert rate.rate == pytest.approx(10 / 300)
    assert rate.low < rate.rate < rate.high
    assert rate.intended_max == 0.02
    assert rate.status == "inconclusive"


@needs_plots
def test_render_writes_a_png(tmp_path):
    pytest.importorskip("classifiers.classifier")
    out = render(3000, tmp_path / "overview.png", min_n=1)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000


def test_committed_picture_exists():
    from deploy.render_overview import DEFAULT_OUT

    assert DEFAULT_OUT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
