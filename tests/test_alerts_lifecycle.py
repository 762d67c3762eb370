"""Lifecycle with a fake clock: grouping, repeats, inhibition, silences, maintenance,
escalation, acknowledgement, resolves everywhere the trigger went, config errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from alerts_support import FakeClock, make_event, policy_with
from prometheus_client import CollectorRegistry

from alerts.config import ConfigError
from alerts.router import AlertRouter
from alerts.sinks import JsonlSink


def lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text().splitlines() if x]


def kinds(path: Path) -> list[tuple[str, str]]:
    return [(x["kind"], x["alert"]["rule"]) for x in lines(path)]


def make_router(
    tmp_path: Path,
    receivers: str,
    clock: FakeClock,
    *,
    alerting: str = "",
    domains: str | None = None,
    journal=None,
    env: dict | None = None,
) -> AlertRouter:
    return AlertRouter(
        policy_with(receivers, alerting=alerting, domains=domains),
        tmp_path / "outbox.db",
        env=env or {},
        clock=clock,
        registry=CollectorRegistry(),
        start=False,
        journal=journal,
    )


def test_group_wait_and_group_interval(tmp_path) -> None:
    out = tmp_path / "p.jsonl"
    clock = FakeClock()
    r = make_router(
        tmp_path,
        f"""
  primary: {{type: jsonl, path: "{out}", group_wait_s: 30, group_interval_s: 300,
             max_batch: 10, group_by: [domain]}}""",
        clock,
    )
    r.emit(make_event("cyber", model="a"))
    clock.advance(10)
    r.emit(make_event("cyber", model="b"))
    r.pump()
    assert lines(out) == []  # still in group_wait
    clock.advance(20)
    r.pump()
    assert len(lines(out)) == 2  # one flush carrying both
    clock.advance(10)
    r.emit(make_event("cyber", model="c"))
    r.pump()
    assert len(lines(out)) == 2  # waits for group_interval after the last flush
    clock.advance(290)
    r.pump()
    assert len(lines(out)) == 3
    r.close()


def test_repeat_interval_and_ack_stops_repeats(tmp_path) -> None:
    out = tmp_path / "p.jsonl"
    clock = FakeClock()
    r = make_router(
        tmp_path,
        f"""
  primary: {{type: jsonl, path: "{out}", repeat_interval_s: 100}}""",
        clock,
    )
    r.emit(make_event())
    r.pump()
    clock.advance(60)
    r.emit(make_event())  # the same incident again: no new notification
    r.pump()
    assert [k for k, _ in kinds(out)] == ["trigger"]
    clock.advance(41)
    r.pump()
    assert [k for k, _ in kinds(out)] == ["trigger", "repeat"]
    assert r.acknowledge(make_event().dedup_key, by="alice")
    assert not r.acknowledge(make_event().dedup_key, by="alice")  # already acknowledged
    clock.advance(500)
    r.pump()
    assert [k for k, _ in kinds(out)] == ["trigger", "repeat", "ack"]
    r.emit(make_event(status="resolved"))
    r.pump()
    assert [k for k, _ in kinds(out)] == ["trigger", "repeat", "ack", "resolve"]
    # A new fire after the resolve is a new incident of the same dedup_key.
    r.emit(make_event())
    r.pump()
    assert [k for k, _ in kinds(out)][-1] == "trigger"
    keys = [x["idempotency_key"] for x in lines(out)]
    assert len(set(keys)) == len(keys)
    r.close()


def test_breach_inhibits_shift_of_same_segment(tmp_path) -> None:
    out = tmp_path / "p.jsonl"
    clock = FakeClock()
    r = make_router(
        tmp_path,
        f"""
  primary: {{type: jsonl, path: "{out}"}}""",
        clock,
    )
    r.emit(make_event(rule="posture_breach"))
    r.emit(make_event(rule="posture_shift"))
    r.emit(make_event(rule="posture_shift", model="other-model"))  # another segment
    r.pump()
    assert kinds(out) == [("trigger", "posture_breach"), ("trigger", "posture_shift")]
    assert lines(out)[1]["alert"]["segment"]["model"] == "other-model"
    r.emit(make_event(rule="posture_breach", status="resolved"))
    r.pump()
    # The breach resolved while the shift still fires: the shift is notified now.
    assert kinds(out)[2:] == [("resolve", "posture_breach"), ("trigger", "posture_shift")]
    r.close()


def test_silence_and_resolve_goes_where_trigger_went(tmp_path) -> None:
    out = tmp_path / "p.jsonl"
    clock = FakeClock()
    r = make_router(
        tmp_path,
        f"""
  primary: {{type: jsonl, path: "{out}"}}""",
        clock,
    )
    with pytest.raises(ValueError):
        r.silence({}, 60)  # refuses to mute everything
    s = r.silence({"domain": "hate"}, 600, created_by="bob", comment="rollout")
    r.emit(make_event("hate", severity="high"))
    r.emit(make_event("cyber"))
    r.pump()
    assert [x["alert"]["segment"]["domain"] for x in lines(out)] == ["cyber"]
    # Silencing cyber after its trigger went: its resolve still goes.
    r.silence({"domain": "cyber"}, 600)
    r.emit(make_event("cyber", status="resolved"))
    r.pump()
    assert kinds(out)[-1] == ("resolve", "posture_breach")
    # The hate silence expires while the alert still fires: notified then.
    assert r.expire_silence(s.id)
    r.pump()
    assert lines(out)[-1]["alert"]["segment"]["domain"] == "hate"
    assert lines(out)[-1]["kind"] == "trigger"
    r.close()


def test_maintenance_window_from_policy(tmp_path) -> None:
    out = tmp_path / "p.jsonl"
    clock = FakeClock(dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC).timestamp())
    alerting = """alerting:
  maintenance_windows:
    - name: canary rollout
      starts_at: 2026-11-28T10:00:00Z
      ends_at: 2026-11-28T12:00:00Z
      matchers: {model: model-2026-06-01}
"""
    r = make_router(
        tmp_path,
        f"""
  primary: {{type: jsonl, path: "{out}"}}""",
        clock,
        alerting=alerting,
    )
    clock.advance(3600 + 60)  # inside the window
    r.emit(make_event(model="model-2026-06-01"))
    r.emit(make_event(model="model-2026-05-01"))
    r.pump()
    assert [x["alert"]["segment"]["model"] for x in lines(out)] == ["model-2026-05-01"]
    clock.advance(2 * 3600)  # the window is over, the alert still fires
    r.pump()
    assert lines(out)[-1]["alert"]["segment"]["model"] == "model-2026-06-01"
    r.close()


def test_unacknowledged_critical_escalates(tmp_path) -> None:
    out, lead, journal_path = tmp_path / "p.jsonl", tmp_path / "lead.jsonl", tmp_path / "j.jsonl"
    clock = FakeClock()
    journal = JsonlSink(journal_path)
    r = make_router(
        tmp_path,
        f"""
  primary: {{type: jsonl, path: "{out}", escalate_to: lead}}
  lead: {{type: jsonl, path: "{lead}"}}""",
        clock,
        journal=journal,
    )
    r.emit(make_event("cyber"))  # critical, escalation window 60 s
    r.emit(make_event("hate", severity="high"))  # not critical: never escalates
    r.pump()
    clock.advance(59)
    r.pump()
    assert lines(lead) == []
    clock.advance(2)
    r.pump()
    assert [(x["kind"], x["tier"]) for x in lines(lead)] == [("escalate", 1)]
    assert lines(lead)[0]["alert"]["segment"]["domain"] == "cyber"
    # The escalation is an event of its own, journaled next to the alerts.
    entries = lines(journal_path)
    esc = [e for e in entries if e.get("kind") == "escalation"]
    assert len(esc) == 1 and esc[0]["tier"] == 1 and esc[0]["receivers"] == ["lead"]
    # Acknowledged (as a message): no further escalation; resolve reaches both tiers.
    assert r.handle_message(
        json.dumps({"type": "ack", "dedup_key": make_event().dedup_key, "by": "carol"}).encode()
    )
    assert not r.handle_message(b"not json")
    clock.advance(3600)
    r.emit(make_event("cyber", status="resolved"))
    r.pump()
    assert [x["kind"] for x in lines(lead)] == ["escalate", "ack", "resolve"]
    assert [x["kind"] for x in lines(out)] == ["trigger", "trigger", "ack", "resolve"]
    r.close()
    journal.close()
    # The journal holds alert events and escalations only (contract section 4).
    assert {e.get("kind", e.get("status")) for e in lines(journal_path)} == {
        "firing",
        "resolved",
        "escalation",
    }


def test_acknowledged_in_time_does_not_escalate(tmp_path) -> None:
    out, lead = tmp_path / "p.jsonl", tmp_path / "lead.jsonl"
    clock = FakeClock()
    r = make_router(
        tmp_path,
        f"""
  primary: {{type: jsonl, path: "{out}", escalate_to: lead}}
  lead: {{type: jsonl, path: "{lead}"}}""",
        clock,
    )
    r.emit(make_event("cyber"))
    r.pump()
    clock.advance(30)
    assert r.acknowledge(make_event().dedup_key, "dave")
    clock.advance(600)
    r.pump()
    assert lines(lead) == []
    assert r.incident(make_event().dedup_key).status == "acknowledged"
    r.close()


def test_severity_routing(tmp_path) -> None:
    pager, tickets = tmp_path / "pager.jsonl", tmp_path / "tickets.jsonl"
    clock = FakeClock()
    domains = """
  cyber: {routes: [pager, tickets], severity: critical}
  hate: {routes: [pager, tickets], severity: warning}
"""
    r = make_router(
        tmp_path,
        f"""
  pager: {{type: jsonl, path: "{pager}", severities: [critical, high]}}
  tickets: {{type: jsonl, path: "{tickets}"}}""",
        clock,
        domains=domains,
    )
    r.emit(make_event("cyber", severity="critical"))
    r.emit(make_event("hate", severity="warning"))
    r.pump()
    assert [x["alert"]["segment"]["domain"] for x in lines(pager)] == ["cyber"]
    assert sorted(x["alert"]["segment"]["domain"] for x in lines(tickets)) == ["cyber", "hate"]
    r.close()


@pytest.mark.parametrize(
    ("receivers", "message"),
    [
        ("  x: {type: pagerduty, routing_key: abc}", "secrets never go in the policy"),
        (
            "  x: {type: pagerduty, routing_key_env: NOT_SET_ANYWHERE}",
            "NOT_SET_ANYWHERE is not set",
        ),
        ("  x: {type: carrier_pigeon}", "receivers.x"),
        ("  x: {type: webhook, url: 'http://127.0.0.1:1/'}", "needs `secret_env`"),
        ("  x: {type: jsonl, path: /tmp/x, severities: [urgent]}", "unknown severity 'urgent'"),
        ("  x: {type: jsonl, path: /tmp/x, escalate_to: nobody}", "'nobody' names no other"),
        (
            "  x: {type: jsonl, path: /tmp/x, fallback: y}\n  y: {type: jsonl, path: /tmp/y, "
            "fallback: x}",
            "loops back",
        ),
        ("  x: {type: jsonl, path: /tmp/x, group_by: [sample_id]}", "unknown label 'sample_id'"),
        ("  x: {type: jsonl, path: /tmp/x, timeout: 3}", "unknown field `timeout`"),
        (
            "  x: {type: webhook, url: 'http://127.0.0.1:1/', secret_env: HOME, "
            "headers: {Authorization: Basic abc}}",
            "credentials never go in the policy",
        ),
    ],
)
def test_receiver_config_errors_are_clear(tmp_path, receivers: str, message: str) -> None:
    domains = "\n  cyber: {routes: [x]}\n"
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        AlertRouter(
            policy_with("\n" + receivers, domains=domains),
            tmp_path / "o.db",
            env={},
            registry=CollectorRegistry(),
            start=False,
        )


def test_jsonl_sink_appends_redacted_lines(tmp_path) -> None:
    path = tmp_path / "alerts.jsonl"
    sink = JsonlSink(path)
    sink.emit(make_event())
    sink.emit(make_event(status="resolved"))
    sink.close()
    got = lines(path)
    assert [x["status"] for x in got] == ["firing", "resolved"]
    assert got[0]["evidence"][0]["excerpt"] == "user wrote [REDACTED:email]"
    assert got[0]["dedup_key"] == got[1]["dedup_key"]


def test_outbox_prunes_finished_work_but_keeps_epochs(tmp_path) -> None:
    out = tmp_path / "p.jsonl"
    clock = FakeClock()
    r = make_router(
        tmp_path,
        f"""
  primary: {{type: jsonl, path: "{out}"}}""",
        clock,
    )
    r.emit(make_event())
    r.pump()
    r.emit(make_event(status="resolved"))
    r.pump()
    assert len(r.deliveries(state="delivered")) == 2
    clock.advance(8 * 86400)
    r.pump()  # the hourly prune runs on the first tick
    assert r.deliveries() == []
    assert r.outbox.events() == []
    r.emit(make_event())  # a new incident after pruning: a new epoch, a new key
    r.pump()
    got = lines(out)
    assert [x["kind"] for x in got] == ["trigger", "resolve", "trigger"]
    assert got[0]["idempotency_key"] != got[2]["idempotency_key"]
    r.close()


def test_fallback_that_is_also_a_route_gets_no_duplicate(tmp_path) -> None:
    slack = tmp_path / "slack.jsonl"
    clock = FakeClock()
    domains = "\n  cyber: {routes: [pager, slack], severity: critical}\n"
    r = make_router(
        tmp_path,
        f"""
  pager: {{type: webhook, url: "http://127.0.0.1:9/", secret_env: S, fallback: slack,
           max_attempts: 1, timeout_s: 0.2, group_wait_s: 0}}
  slack: {{type: jsonl, path: "{slack}"}}""",
        clock,
        domains=domains,
        env={"S": "x"},
    )
    r.emit(make_event())
    r.pump()
    r.emit(make_event(status="resolved"))
    r.pump()
    assert [x["kind"] for x in lines(slack)] == ["trigger", "resolve"]
    states = sorted((d["receiver"], d["kind"], d["state"]) for d in r.deliveries())
    assert states == [
        ("pager", "resolve", "failed_over"),
        ("pager", "trigger", "failed_over"),
        ("slack", "resolve", "delivered"),
        ("slack", "trigger", "delivered"),
    ]
    r.close()
