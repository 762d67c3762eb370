"""The committed Grafana dashboards: fresh, well formed, and every query valid PromQL over
metrics the monitor exports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from deploy.exported import exported_metric_names
from deploy.grafana.queries import DASHBOARDS, metric_names, queries

REPO = Path(__file__).resolve().parents[1]
BUILDER = REPO / "deploy" / "grafana" / "build_dashboards.py"
PROVISIONING = REPO / "deploy" / "grafana" / "provisioning"


def test_committed_json_is_what_the_builder_writes():
    result = subprocess.run(
        [sys.executable, str(BUILDER), "--check"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_dashboards_are_current_schema_with_unique_uids():
    dashboards = [json.loads(p.read_text()) for p in sorted(DASHBOARDS.glob("*.json"))]
    assert {d["uid"] for d in dashboards} == {
        "safety-monitor-posture",
        "safety-monitor-segment",
        "safety-monitor-classifier",
        "safety-monitor-pipeline",
    }
    for d in dashboards:
        assert d["schemaVersion"] >= 36
        assert d["templating"]["list"][0]["type"] == "datasource"
        ids = [p["id"] for p in d["panels"]]
        assert len(ids) == len(set(ids))
        for panel in d["panels"]:
            if panel["type"] != "row":
                assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}


def test_every_query_names_only_exported_metrics():
    exported = exported_metric_names()
    all_queries = list(queries())
    assert len(all_queries) > 30
    for q in all_queries:
        names = metric_names(q.expr)
        assert names, f"{q.dashboard} / {q.where}: no safety_monitor_ metric in {q.expr!r}"
        unknown = names - exported
        assert not unknown, f"{q.dashboard} / {q.where}: not exported: {sorted(unknown)}"


def test_every_query_parses_with_promtool(tmp_path):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed (apt-get install -y prometheus)")
    # promtool has no PromQL parser command in 2.42; a recording rule per query gets parsed.
    rules = [
        {"record": f"dashboard:query_{i}", "expr": q.concrete()} for i, q in enumerate(queries())
    ]
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout


def test_provisioning_points_at_the_dashboards():
    datasources = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())
    assert datasources["datasources"][0]["type"] == "prometheus"
    providers = yaml.safe_load((PROVISIONING / "dashboards" / "safety-monitor.yml").read_text())
    provider = providers["providers"][0]
    assert provider["type"] == "file"
    # compose.yml mounts deploy/grafana/dashboards at this path.
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards/safety-monitor"
