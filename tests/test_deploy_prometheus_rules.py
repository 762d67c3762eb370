"""Prometheus rules in deploy/prometheus: valid, unit-tested with promtool, and built only on
metrics that the monitor (or its alert delivery layer) exports."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from deploy.exported import exported_metric_names

PROM = Path(__file__).resolve().parents[1] / "deploy" / "prometheus"
RULES = sorted((PROM / "rules").glob("*.yml"))
TESTS = sorted((PROM / "tests").glob("*.yml"))

#: Exported by the alert delivery layer (alerts/metrics.py), not by monitor/metrics.py.
DELIVERY_METRICS = {
    "safety_monitor_alert_delivery_attempts_total",
    "safety_monitor_alert_notifications_total",
}


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.skip("promtool not installed (apt-get install -y prometheus)")
    return path


def test_rules_are_valid(promtool):
    result = subprocess.run(
        [promtool, "check", "rules", *map(str, RULES)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_unit_tests_pass(promtool):
    assert TESTS, "no promtool tests"
    # Run from the tests folder: the test files name their rule files relative to it.
    result = subprocess.run(
        [promtool, "test", "rules", *(p.name for p in TESTS)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROM / "tests",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(TESTS)


def test_every_alert_is_unit_tested():
    alerts = {
        rule["alert"]
        for path in RULES
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }
    tested = {
        case["alertname"]
        for path in TESTS
        for test in yaml.safe_load(path.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert alerts - tested == set()


def test_alerts_carry_routing_labels():
    for path in RULES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
                    # domain comes from the series (posture) or is set (pipeline).
                    assert "domain" in rule["labels"] or "domain" in rule["expr"], rule["alert"]
                    assert rule["annotations"]["summary"]


def test_rules_use_only_exported_metrics():
    known = exported_metric_names() | DELIVERY_METRICS | {"up"}
    for path in RULES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                used = set(re.findall(r"\b(safety_monitor_[a-z0-9_]+)\b", rule["expr"]))
                assert used <= known, (rule.get("alert") or rule["record"], used - known)
