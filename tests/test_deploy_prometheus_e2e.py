"""A real Prometheus scrapes a running monitor: every dashboard query returns data, and the
shipped rules load and evaluate on it.

The monitor runs as ``safety-monitor run --source demo --rate 2000`` in a subprocess, as a
user would start it; Prometheus (Debian's ``prometheus``) scrapes it every second on a
loopback port. Bounded to about a minute.
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from deploy.grafana.queries import Query, metric_names, queries

REPO = Path(__file__).resolve().parents[1]
RULES = sorted((REPO / "deploy" / "prometheus" / "rules").glob("*.yml"))
#: Budgets: the monitor loading its classifier (about 5 s on an idle machine, 20 s on a
#: loaded one), then every query having data (the demo's first alerts come about 10 s in).
READY_WITHIN_S = 45
DATA_WITHIN_S = 45

#: Queries on metrics only the Kafka workers export: the embedded demo has no consumer lag.
KAFKA_ONLY = {"safety_monitor_kafka_consumer_lag_messages"}
#: Ratios over arriving labels are NaN until labels arrive; the demo sends none, so for
#: these a NaN result counts as data (the series exist, zero-initialised).
NAN_UNTIL_LABELS = {"Agreement with arriving labels [A]"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pipeline_importable() -> str | None:
    try:
        import classifiers  # noqa: F401
        import monitor.pipeline
        import monitor.rules  # noqa: F401
        from classifiers import Classifier  # noqa: F401
    except ImportError as exc:
        return str(exc)
    return None


def _wait_http(url: str, deadline: float, ok=(200,)) -> httpx.Response:
    last: object = None
    while time.monotonic() < deadline:
        try:
            r = httpx.get(url, timeout=2)
            if r.status_code in ok:
                return r
            last = f"{r.status_code} {r.text[:200]}"
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"{url} not ready: {last}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        pytest.skip("prometheus not installed (apt-get install -y prometheus)")
    missing = _pipeline_importable()
    if missing is not None:
        pytest.skip(f"the monitor's pipeline is not importable on this tree: {missing}")
    tmp = tmp_path_factory.mktemp("prom-e2e")
    monitor_port, prom_port = _free_port(), _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    monitor_cmd = [
        sys.executable, "-m", "monitor.cli", "--log-format", "json", "run",
        "--source", "demo", "--rate", "2000", "--metrics-port", str(monitor_port),
        "--no-progress", "--alerts-out", str(tmp / "alerts.jsonl"),
    ]  # fmt: skip
    monitor_log = open(tmp / "monitor.log", "wb")  # noqa: SIM115 (closed in teardown)
    started = time.monotonic()
    monitor = subprocess.Popen(
        monitor_cmd, cwd=tmp, env=env, stdout=monitor_log, stderr=subprocess.STDOUT
    )
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(p) for p in RULES],
        "scrape_configs": [
            {
                "job_name": "safety-monitor",
                "static_configs": [{"targets": [f"127.0.0.1:{monitor_port}"]}],
            }
        ],
    }
    (tmp / "prometheus.yml").write_text(yaml.safe_dump(config))
    prom_log = open(tmp / "prometheus.log", "wb")  # noqa: SIM115 (closed in teardown)
    prom = subprocess.Popen(
        [
            prometheus,
            f"--config.file={tmp / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp / 'data'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ],
        stdout=prom_log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + READY_WITHIN_S
        _wait_http(f"http://127.0.0.1:{prom_port}/-/ready", deadline)
        ready = _wait_http(f"http://127.0.0.1:{monitor_port}/readyz", deadline)
        ready_at = time.monotonic()
        yield {
            "prom": f"http://127.0.0.1:{prom_port}",
            "monitor": f"http://127.0.0.1:{monitor_port}",
            "ready_at": ready_at,
            "deadline": ready_at + DATA_WITHIN_S,
            "ready_after_s": ready_at - started,
            "ready": ready.json(),
            "logs": (tmp / "monitor.log", tmp / "prometheus.log"),
            "process": monitor,
        }
    finally:
        _stop(monitor)
        _stop(prom)
        monitor_log.close()
        prom_log.close()


def _query(prom: str, expr: str) -> list[dict]:
    r = httpx.get(f"{prom}/api/v1/query", params={"query": expr}, timeout=10)
    body = r.json()
    assert body["status"] == "success", (expr, body)
    return body["data"]["result"]


def _has_data(result: list[dict], allow_nan: bool) -> bool:
    values = [float(s["value"][1]) for s in result]
    return bool(values) and (allow_nan or any(not math.isnan(v) for v in values))


def test_probes_on_the_metrics_port(stack):
    assert stack["ready"]["ready"] is True
    assert httpx.get(f"{stack['monitor']}/healthz", timeout=5).status_code == 200
    metrics = httpx.get(f"{stack['monitor']}/metrics", timeout=5).text
    assert "safety_monitor_samples_total" in metrics


def test_every_dashboard_query_returns_data(stack):
    prom = stack["prom"]
    pending: dict[Query, str] = {}
    kafka_only = []
    for q in queries():
        if metric_names(q.expr) & KAFKA_ONLY:
            kafka_only.append(q)
            continue
        # Windows short enough for a test that has run for seconds, long enough for two
        # one-second scrapes in each.
        pending[q] = q.concrete(window="15s", rate_interval="5s")
    assert len(pending) > 30
    while pending and time.monotonic() < stack["deadline"]:
        for q, expr in list(pending.items()):
            if _has_data(_query(prom, expr), allow_nan=q.where in NAN_UNTIL_LABELS):
                del pending[q]
        if pending:
            time.sleep(1)
    print(
        f"monitor ready after {stack['ready_after_s']:.1f} s; every query had data "
        f"{time.monotonic() - stack['ready_at']:.1f} s after that"
    )
    missing = [f"{q.dashboard} / {q.where}: {expr}" for q, expr in pending.items()]
    assert not missing, "no data for:\n" + "\n".join(missing)
    # Kafka-only panels still parse and run against this Prometheus (empty result).
    for q in kafka_only:
        assert _query(prom, q.concrete()) == []


def test_shipped_rules_load_and_evaluate(stack):
    prom = stack["prom"]
    groups = httpx.get(f"{prom}/api/v1/rules", timeout=10).json()["data"]["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert len(rules) == 13
    # The pipeline group evaluates every 30 s, at an offset Prometheus picks: wait a round.
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        rules = [
            r
            for g in httpx.get(f"{prom}/api/v1/rules", timeout=10).json()["data"]["groups"]
            for r in g["rules"]
        ]
        if all(r.get("lastEvaluation", "").startswith("20") for r in rules):
            break
        time.sleep(0.5)
    bad = [(r["name"], r.get("lastError")) for r in rules if r.get("health") != "ok"]
    assert not bad
    # The demo's scripted incident is open in the monitor, so its posture alert is active.
    alerts = httpx.get(f"{prom}/api/v1/alerts", timeout=10).json()["data"]["alerts"]
    assert any(a["labels"]["alertname"].startswith("SafetyMonitorPosture") for a in alerts)
    assert not any(a["labels"]["alertname"] == "SafetyMonitorTargetDown" for a in alerts)


def test_monitor_kept_running(stack):
    log = stack["logs"][0]
    assert stack["process"].poll() is None, log.read_text()[-3000:]
