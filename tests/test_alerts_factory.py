"""The runner's entry point, the shipped example policy, and one hanging receiver not
holding up the others."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from alerts_support import FAST, ScriptedServer, make_event, policy_with
from prometheus_client import CollectorRegistry

from alerts.config import ConfigError
from alerts.factory import build_alert_sink
from alerts.router import AlertRouter
from alerts.sinks import AlertSink, JsonlSink
from monitor.policy import load_policy

EXAMPLE = Path(__file__).resolve().parent.parent / "deploy" / "alerting" / "policy.example.yaml"
EXAMPLE_ENV = {
    "SM_PAGERDUTY_ROUTING_KEY": "k1",
    "SM_PAGERDUTY_SECONDARY_KEY": "k2",
    "SM_SLACK_WEBHOOK_URL": "https://hooks.slack.example/services/x",
    "SM_JIRA_EMAIL": "bot@example.com",
    "SM_JIRA_API_TOKEN": "t",
    "SM_AUDIT_WEBHOOK_SECRET": "s",
}


def test_example_policy_builds_a_router(tmp_path) -> None:
    policy = load_policy(EXAMPLE)
    router = AlertRouter(
        policy, tmp_path / "o.db", env=EXAMPLE_ENV, registry=CollectorRegistry(), start=False
    )
    try:
        tiers = router.routing.tiers({"domain": "cyber", "severity": "critical"})
        assert tiers == [["safety-oncall", "cyber-policy-tickets"], ["safety-oncall-secondary"]]
        assert router.configs["cyber-policy-tickets"].project_key == "CYBER"
        assert "_jira_defaults" not in router.configs
        assert router.alerting.maintenance_windows[0].matchers == {"model": "model-2026-06-01"}
    finally:
        router.close()
    with pytest.raises(ConfigError, match="SM_JIRA_API_TOKEN is not set"):
        AlertRouter(
            policy,
            tmp_path / "o2.db",
            env={k: v for k, v in EXAMPLE_ENV.items() if k != "SM_JIRA_API_TOKEN"},
            registry=CollectorRegistry(),
            start=False,
        )


def test_factory_without_receivers_is_the_jsonl_sink(tmp_path) -> None:
    out = tmp_path / "alerts.jsonl"
    sink = build_alert_sink(load_policy(), alerts_out=out)
    assert isinstance(sink, JsonlSink) and isinstance(sink, AlertSink)
    sink.emit(make_event())
    sink.close()
    assert json.loads(out.read_text())["status"] == "firing"


def test_factory_with_receivers_journals_and_delivers(tmp_path) -> None:
    server = ScriptedServer()
    policy = policy_with(f"""
  primary: {{type: webhook, url: "{server.url}", secret_env: S, {FAST}}}""")
    out = tmp_path / "alerts.jsonl"
    sink = build_alert_sink(policy, alerts_out=out, env={"S": "x"}, registry=CollectorRegistry())
    try:
        assert isinstance(sink, AlertSink)
        sink.emit(make_event())
        assert server.wait_for(lambda: len(server.processed) == 1, timeout=5)
    finally:
        sink.close()
        server.close()
    assert (tmp_path / "alerts-outbox.db").exists()
    journal = [json.loads(x) for x in out.read_text().splitlines()]
    assert journal[0]["dedup_key"] == make_event().dedup_key


def test_a_hanging_receiver_does_not_hold_up_others(tmp_path) -> None:
    slow, fast = ScriptedServer(), ScriptedServer()
    slow.default = "hang:2"
    domains = "\n  cyber: {routes: [slow, fast], severity: critical}\n"
    policy = policy_with(
        f"""
  slow: {{type: webhook, url: "{slow.url}", secret_env: S, {FAST}, timeout_s: 1.5}}
  fast: {{type: webhook, url: "{fast.url}", secret_env: S, {FAST}}}""",
        domains=domains,
    )
    router = AlertRouter(
        policy,
        tmp_path / "o.db",
        env={"S": "x"},
        registry=CollectorRegistry(),
        tick_interval_s=0.05,
        idle_poll_s=0.05,
    )
    try:
        start = time.monotonic()
        for i in range(5):
            router.emit(make_event(model=f"m{i}"))
        assert fast.wait_for(lambda: len(fast.processed) == 5, timeout=5)
        assert time.monotonic() - start < 1.0
        assert not slow.processed
    finally:
        router.close(timeout=0.2)
        slow.close()
        fast.close()
