"""The example Alertmanager config: valid, and routes the monitor's alerts by severity and
domain (amtool from Debian's prometheus-alertmanager)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "alertmanager" / "alertmanager.yml"


@pytest.fixture(scope="module")
def amtool() -> str:
    path = shutil.which("amtool")
    if path is None:
        pytest.skip("amtool not installed (apt-get install -y prometheus-alertmanager)")
    return path


def test_check_config(amtool):
    result = subprocess.run(
        [amtool, "check-config", str(CONFIG)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        # Posture incidents: critical pages and still reaches the domain's owners.
        ({"alertname": "posture_breach", "severity": "critical", "domain": "cyber"},
         "safety-pager,safety-chat"),
        ({"alertname": "SafetyMonitorPostureBreach", "severity": "critical", "domain": "cbrn"},
         "safety-pager,cbrn-policy"),
        ({"alertname": "posture_shift", "severity": "info", "domain": "child_safety"},
         "child-safety-policy"),
        ({"alertname": "posture_shift", "severity": "high", "domain": "hate"}, "safety-chat"),
        ({"alertname": "posture_shift", "severity": "warning", "domain": "privacy"},
         "safety-tickets"),
        # Pipeline health goes to SRE, never to the policy teams.
        ({"alertname": "SafetyMonitorConsumerStalled", "severity": "critical",
          "domain": "pipeline"}, "sre-pager"),
        ({"alertname": "SafetyMonitorDeadLetterRate", "severity": "warning",
          "domain": "pipeline"}, "sre-tickets"),
        # Unlabelled strays are not lost.
        ({"alertname": "Something"}, "safety-tickets"),
    ],
)  # fmt: skip
def test_routes(amtool, labels, receivers):
    result = subprocess.run(
        [amtool, "config", "routes", "test", f"--config.file={CONFIG}",
         *(f"{k}={v}" for k, v in labels.items())],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == receivers
