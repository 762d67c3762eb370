"""/healthz, /readyz and /metrics on one port (monitor/health.py), over real HTTP."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter

from monitor.health import Health, serve


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def served():
    registry = CollectorRegistry()
    Counter("safety_monitor_samples_total", "Samples.", ["source"], registry=registry).labels(
        "demo"
    ).inc(3)
    clock = FakeClock()
    health = Health(stall_after=10, clock=clock)
    server, thread = serve(0, registry, health)
    base = f"http://127.0.0.1:{server.server_port}"
    with httpx.Client(base_url=base, timeout=5) as client:
        yield client, health, clock
    server.shutdown()
    thread.join(timeout=5)


def test_liveness_is_up_before_anything_is_loaded(served):
    client, _, _ = served
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"alive": True}


def test_readiness_follows_loading_and_flow(served):
    client, health, clock = served
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["missing"] == ["policy", "classifier"]

    health.loaded("policy")
    health.loaded("classifier")
    r = client.get("/readyz")
    assert r.status_code == 503, "loaded but no batch yet: the stream is not flowing"
    assert r.json()["last_batch_age_s"] is None

    health.beat()
    clock.now += 5
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"ready": True, "missing": [], "last_batch_age_s": 5.0}

    clock.now += 6  # 11 s since the last batch, over stall_after=10
    assert client.get("/readyz").status_code == 503
    health.beat()
    assert client.get("/readyz").status_code == 200


def test_fatal_error_fails_both_probes(served):
    client, health, _ = served
    health.loaded("policy")
    health.loaded("classifier")
    health.beat()
    health.fail("classifier snapshot corrupt")
    assert client.get("/healthz").status_code == 503
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["reason"] == "classifier snapshot corrupt"


def test_metrics_served_on_the_same_port(served):
    client, _, _ = served
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert 'safety_monitor_samples_total{source="demo"} 3.0' in r.text


def test_head_probe_has_no_body(served):
    client, _, _ = served
    r = client.head("/healthz")
    assert r.status_code == 200
    assert r.content == b""


def test_metrics_start_http_server_serves_probes_from_the_registry():
    """What a Kafka worker gets from ``monitor.metrics.start_http_server``: readiness follows
    the last-batch gauge that ``Metrics.observe_batch`` sets."""
    import time

    from monitor.metrics import Metrics, start_http_server

    metrics = Metrics(CollectorRegistry())
    server, thread = start_http_server(0, metrics.registry)
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        r = httpx.get(f"{base}/readyz", timeout=5)
        assert r.status_code == 503 and r.json()["last_batch_age_s"] is None
        metrics.last_batch.set(time.time() - 2)
        r = httpx.get(f"{base}/readyz", timeout=5)
        assert r.status_code == 200
        assert 1.5 < r.json()["last_batch_age_s"] < 10
        metrics.last_batch.set(time.time() - 600)  # stalled for ten minutes
        assert httpx.get(f"{base}/readyz", timeout=5).status_code == 503
        assert "safety_monitor_last_batch_timestamp_seconds" in httpx.get(f"{base}/metrics").text
    finally:
        server.shutdown()
        thread.join(timeout=5)
