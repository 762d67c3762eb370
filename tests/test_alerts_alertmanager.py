"""Against a real Alertmanager (Debian ``prometheus-alertmanager``) on 127.0.0.1: alerts
arrive, are grouped, and resolve; the shipped example config passes ``amtool``."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from alerts_support import FAST, ScriptedServer, free_port, make_event, policy_with
from prometheus_client import CollectorRegistry

from alerts.router import AlertRouter

AM = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
AMTOOL = shutil.which("amtool")
SHIPPED = Path(__file__).resolve().parent.parent / "deploy" / "alertmanager" / "alertmanager.yml"

needs_am = pytest.mark.skipif(
    AM is None,
    reason="prometheus-alertmanager not installed (apt-get install -y prometheus-alertmanager)",
)
needs_amtool = pytest.mark.skipif(
    AMTOOL is None, reason="amtool not installed (apt-get install -y prometheus-alertmanager)"
)


@pytest.fixture
def webhook():
    server = ScriptedServer()
    server.default = "ok"
    yield server
    server.close()


@pytest.fixture
def alertmanager(tmp_path, webhook):
    port = free_port()
    config = tmp_path / "am.yml"
    config.write_text(f"""
route:
  receiver: hook
  group_by: [alertname, domain]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
inhibit_rules:
  - source_matchers: ['alertname="posture_breach"']
    target_matchers: ['alertname="posture_shift"']
    equal: [domain, model, surface]
receivers:
  - name: hook
    webhook_configs:
      - url: {webhook.url}/am
        send_resolved: true
""")
    proc = subprocess.Popen(
        [
            AM,
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'data'}",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    with httpx.Client(trust_env=False, timeout=1) as client:
        while True:
            try:
                if client.get(f"{url}/-/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"alertmanager did not start: {proc.stderr.read().decode()[-500:]}")
            time.sleep(0.05)
    yield url
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()


def _am_alerts(url: str) -> list[dict]:
    with httpx.Client(trust_env=False, timeout=2) as client:
        return client.get(f"{url}/api/v2/alerts").json()


@needs_am
def test_alerts_arrive_group_and_resolve(tmp_path, alertmanager, webhook) -> None:
    receivers = f"""
  am: {{type: alertmanager, url: "{alertmanager}", resend_interval_s: 0.5, {FAST}}}
"""
    domains = "\n  cyber: {routes: [am], severity: critical}\n"
    router = AlertRouter(
        policy_with(receivers, domains=domains),
        tmp_path / "o.db",
        env={},
        registry=CollectorRegistry(),
        tick_interval_s=0.1,
        idle_poll_s=0.05,
    )
    try:
        router.emit(make_event("cyber", model="m1"))
        router.emit(make_event("cyber", model="m2"))
        assert webhook.wait_for(lambda: len(webhook.bodies) >= 1, timeout=10)
        first = webhook.bodies[0]
        # One grouped notification (alertname + domain) carrying both alerts.
        assert first["status"] == "firing"
        assert first["groupLabels"] == {"alertname": "posture_breach", "domain": "cyber"}
        assert sorted(a["labels"]["model"] for a in first["alerts"]) == ["m1", "m2"]
        alert = first["alerts"][0]
        assert alert["labels"]["severity"] == "critical"
        assert alert["labels"]["dedup_key"].startswith("cyber|")
        assert alert["annotations"]["runbook_url"] == "https://runbooks.example.com/cyber"
        assert "[REDACTED:email]" in alert["annotations"]["evidence"]
        # Re-sent while active: Alertmanager keeps them active (endsAt keeps moving).
        ends_before = {a["labels"]["model"]: a["endsAt"] for a in _am_alerts(alertmanager)}
        time.sleep(1.2)
        active = _am_alerts(alertmanager)
        assert len(active) == 2 and all(a["status"]["state"] == "active" for a in active)
        assert all(a["endsAt"] > ends_before[a["labels"]["model"]] for a in active)
        resent = [d for d in router.deliveries("am") if d["kind"] == "repeat"]
        assert resent and all(d["state"] in ("delivered", "pending") for d in resent)

        router.emit(make_event("cyber", model="m1", status="resolved"))
        router.emit(make_event("cyber", model="m2", status="resolved"))
        assert webhook.wait_for(
            lambda: any(b["status"] == "resolved" for b in webhook.bodies), timeout=10
        )
        resolved = next(b for b in webhook.bodies if b["status"] == "resolved")
        assert sorted(a["labels"]["model"] for a in resolved["alerts"]) == ["m1", "m2"]
        assert _am_alerts(alertmanager) == []
    finally:
        router.close()


@needs_am
def test_alertmanager_inhibits_shift_under_breach(tmp_path, alertmanager, webhook) -> None:
    """Inhibition as Alertmanager applies it, matching what the router does itself."""
    receivers = f"""
  am: {{type: alertmanager, url: "{alertmanager}", {FAST}}}
"""
    domains = "\n  cyber: {routes: [am], severity: critical}\n"
    # Our own inhibition is off here so Alertmanager's can be seen.
    alerting = "alerting: {inhibit_rules: []}"
    router = AlertRouter(
        policy_with(receivers, domains=domains, alerting=alerting),
        tmp_path / "o.db",
        env={},
        registry=CollectorRegistry(),
        tick_interval_s=0.1,
        idle_poll_s=0.05,
    )
    try:
        router.emit(make_event("cyber", rule="posture_breach"))
        router.emit(make_event("cyber", rule="posture_shift"))
        assert router.wait_idle(5)
        time.sleep(0.3)
        with httpx.Client(trust_env=False, timeout=2) as client:
            states = {
                a["labels"]["alertname"]: a["status"]["state"]
                for a in client.get(f"{alertmanager}/api/v2/alerts").json()
            }
        assert states == {"posture_breach": "active", "posture_shift": "suppressed"}
    finally:
        router.close()


@needs_amtool
def test_shipped_config_is_valid() -> None:
    result = subprocess.run(
        [AMTOOL, "check-config", str(SHIPPED)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@needs_amtool
@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["severity=critical", "domain=cyber"], "safety-pager,safety-chat"),
        (["severity=critical", "domain=child_safety"], "safety-pager,child-safety-policy"),
        (["severity=high", "domain=hate"], "safety-chat"),
        (["severity=warning", "domain=misinformation"], "safety-tickets"),
    ],
)
def test_shipped_config_routes(labels: list[str], expected: str) -> None:
    result = subprocess.run(
        [AMTOOL, "config", "routes", "test", f"--config.file={SHIPPED}", *labels],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.stdout.strip() == expected, result.stdout + result.stderr
