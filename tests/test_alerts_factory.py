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
    slow.default = "hang:4"
    domains = "\n  cyber: {routes: [slow, fast], severity: critical}\n"
    policy = policy_with(
        f"""
  slow: {{type: webhook, url: "{slow.url}", secret_env: S, {FAST}, timeout_s: 3}}
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
        assert time.monotonic() - start < 2.5  # well before the slow one times out
        assert not slow.processed
    finally:
        router.close(timeout=0.2)
        slow.close()
        fast.close()


class _FakeProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.fail_next = 1

    def send(self, topic: str, key: bytes, value: bytes) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("broker not available")
        self.sent.append((topic, key, value))


def test_kafka_seam_and_metrics(tmp_path) -> None:
    producer = _FakeProducer()
    registry = CollectorRegistry()
    policy = policy_with(f"""
  primary: {{type: kafka, topic: safety-alerts, {FAST}}}""")
    with pytest.raises(ConfigError, match="kafka_producer"):
        AlertRouter(policy, tmp_path / "x.db", env={}, registry=CollectorRegistry(), start=False)
    router = AlertRouter(
        policy,
        tmp_path / "o.db",
        env={},
        registry=registry,
        kafka_producer=producer,
        tick_interval_s=0.05,
        idle_poll_s=0.05,
    )
    try:
        router.emit(make_event("cyber", model="a/b c"))
        router.emit(make_event("cyber", model="a/b c", status="resolved"))
        deadline = time.monotonic() + 5
        while len(producer.sent) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        router.close()
    assert [t for t, _, _ in producer.sent] == ["safety-alerts"] * 2
    first = json.loads(producer.sent[0][2])
    assert producer.sent[0][1] == make_event(model="a/b c").dedup_key.encode()
    assert [json.loads(v)["kind"] for _, _, v in producer.sent] == ["trigger", "resolve"]
    assert first["alert"]["evidence"][0]["excerpt"] == "user wrote [REDACTED:email]"

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert (
        value(
            "safety_monitor_alert_events_total",
            status="firing",
            rule="posture_breach",
            severity="critical",
        )
        == 1
    )
    assert (
        value("safety_monitor_alert_delivery_attempts_total", receiver="primary", result="error")
        == 1
    )
    assert (
        value(
            "safety_monitor_alert_notifications_total",
            receiver="primary",
            kind="resolve",
            outcome="delivered",
        )
        == 1
    )
    assert value("safety_monitor_alert_delivery_latency_seconds_count", receiver="primary") == 2
    # Label values come from bounded sets: no dedup_key, alert id or model in any label.
    for metric in registry.collect():
        if metric.name.startswith("safety_monitor_alert"):
            for sample in metric.samples:
                assert "a/b c" not in json.dumps(sample.labels)


def test_one_router_per_outbox(tmp_path) -> None:
    from alerts.router import OutboxInUse

    policy = policy_with(f"""
  primary: {{type: jsonl, path: "{tmp_path / "x.jsonl"}"}}""")
    first = AlertRouter(
        policy, tmp_path / "o.db", env={}, registry=CollectorRegistry(), start=False
    )
    with pytest.raises(OutboxInUse, match="one router per outbox"):
        AlertRouter(policy, tmp_path / "o.db", env={}, registry=CollectorRegistry(), start=False)
    first.close()
    AlertRouter(
        policy, tmp_path / "o.db", env={}, registry=CollectorRegistry(), start=False
    ).close()


def test_receiver_removed_from_policy_dead_letters_its_pending_work(tmp_path) -> None:
    down = ScriptedServer()
    down.default = "500"
    outbox = tmp_path / "o.db"
    before = policy_with(f"""
  primary: {{type: webhook, url: "{down.url}", secret_env: S, {FAST}}}""")
    r = AlertRouter(before, outbox, env={"S": "x"}, registry=CollectorRegistry(), start=False)
    r.emit(make_event())
    r.close()
    down.close()
    after = policy_with(
        f"""
  other: {{type: jsonl, path: "{tmp_path / "o.jsonl"}"}}""",
        domains="\n  cyber: {routes: [other], severity: critical}\n",
    )
    r2 = AlertRouter(after, outbox, env={}, registry=CollectorRegistry(), start=False)
    try:
        dead = r2.dead_letters()
        assert [(d["receiver"], d["last_error"]) for d in dead] == [
            ("primary", "receiver no longer in the policy")
        ]
    finally:
        r2.close()
