"""Delivery against real local HTTP receivers that fail: exactly once, restarts included."""

from __future__ import annotations

import time

import pytest
from alerts_support import FAST, ScriptedServer, make_event, policy_with
from prometheus_client import CollectorRegistry

from alerts.router import AlertRouter
from monitor.policy import load_policy

ENV = {"HOOK_SECRET": "s3cret-for-tests"}


def webhook_policy(url: str, extra: str = "", fallback: str = "") -> object:
    receivers = f"""
  primary: {{type: webhook, url: "{url}", secret_env: HOOK_SECRET, {FAST}{extra}}}
{fallback}"""
    return policy_with(receivers)


@pytest.fixture
def server():
    s = ScriptedServer()
    yield s
    s.close()


def _events(n: int):
    domains = ["cyber", "hate"]
    rules = ["posture_breach", "posture_shift"]
    metrics = ["under_refusal_rate", "over_refusal_rate", "harmful_rate"]
    out = []
    for i in range(n):
        out.append(
            make_event(
                domains[i % 2],
                rules[0],
                metrics[i % 3],
                model=f"m{i}",
                severity="critical" if i % 2 == 0 else "high",
            )
        )
    return out


def test_every_alert_delivered_once_through_failures(tmp_path, server) -> None:
    server.script = ["500", "429:0.2", "close", "hang:0.6", "503", "slow_ok:0.5"]
    router = AlertRouter(
        webhook_policy(server.url),
        tmp_path / "outbox.db",
        env=ENV,
        registry=CollectorRegistry(),
        tick_interval_s=0.05,
        idle_poll_s=0.05,
    )
    try:
        events = _events(5)
        for e in events:
            router.emit(e)
        for e in events:
            router.emit(
                make_event(
                    e.segment.domain,
                    e.rule,
                    e.metric,
                    "resolved",
                    model=e.segment.model,
                    severity=e.severity,
                )
            )
        assert server.wait_for(lambda: len(server.processed) == 10, timeout=15)
        assert router.wait_idle(5, include_future=True)
    finally:
        router.close()
    # Each notification processed exactly once; the slow answer's retry was recognised by
    # its Idempotency-Key (the receiver processed it once and answered the retry 2xx).
    assert all(c == 1 for c in server.processed.values())
    assert sum(server.duplicates.values()) >= 1  # the late answer was retried, same key
    assert len(server.receipts) > 10
    kinds = sorted(n["kind"] for b in server.bodies for n in b["notifications"])
    assert kinds == ["resolve"] * 5 + ["trigger"] * 5
    # A resolve never overtook its trigger.
    seen: dict[str, str] = {}
    for body in server.bodies:
        for n in body["notifications"]:
            key = n["alert"]["dedup_key"]
            assert (seen.get(key), n["kind"]) in ((None, "trigger"), ("trigger", "resolve"))
            seen[key] = n["kind"]
    # 429 with Retry-After: 0.2 was honoured.
    i429 = next(i for i, r in enumerate(server.receipts) if r.answer.startswith("429"))
    assert server.receipts[i429 + 1].at - server.receipts[i429].at >= 0.19
    # Excerpts were redacted before leaving the process.
    assert all("alice@example.com" not in r.body.decode() for r in server.receipts)
    assert "[REDACTED:email]" in server.receipts[0].body.decode()


def test_restart_loses_and_duplicates_nothing(tmp_path) -> None:
    outbox = tmp_path / "outbox.db"
    server = ScriptedServer()
    server.default = "500"  # down while the first router runs
    events = _events(4)
    try:
        r1 = AlertRouter(
            webhook_policy(server.url),
            outbox,
            env=ENV,
            registry=CollectorRegistry(),
            tick_interval_s=0.05,
            idle_poll_s=0.05,
        )
        for e in events:
            r1.emit(e)
        r1.emit(
            make_event(
                events[0].segment.domain,
                events[0].rule,
                events[0].metric,
                "resolved",
                model=events[0].segment.model,
            )
        )
        server.wait_for(lambda: len(server.receipts) >= 3, timeout=5)
        r1.close(timeout=0.5)
        assert not server.processed

        server.default = "ok"  # the receiver recovers; a new router on the same outbox
        r2 = AlertRouter(
            webhook_policy(server.url),
            outbox,
            env=ENV,
            registry=CollectorRegistry(),
            tick_interval_s=0.05,
            idle_poll_s=0.05,
        )
        # The core replays after its own restart: the same firing events again.
        for e in events[1:]:
            r2.emit(e)
        assert server.wait_for(lambda: len(server.processed) == 5, timeout=10)
        assert r2.wait_idle(5, include_future=True)
        time.sleep(0.2)
        r2.close()
    finally:
        server.close()
    assert len(server.processed) == 5 and not server.duplicates
    kinds = sorted(n["kind"] for b in server.bodies for n in b["notifications"])
    assert kinds == ["resolve"] + ["trigger"] * 4


def test_fallback_then_dead_letter(tmp_path) -> None:
    primary, backup = ScriptedServer(), ScriptedServer()
    primary.default = "400"  # permanent: no retry
    backup.default = "500"
    receivers = f"""
  primary: {{type: webhook, url: "{primary.url}", secret_env: HOOK_SECRET, fallback: backup,
             {FAST}}}
  backup: {{type: webhook, url: "{backup.url}", secret_env: HOOK_SECRET, {FAST},
            max_attempts: 3}}
"""
    router = AlertRouter(
        policy_with(receivers),
        tmp_path / "o.db",
        env=ENV,
        registry=CollectorRegistry(),
        tick_interval_s=0.05,
        idle_poll_s=0.05,
    )
    try:
        router.emit(make_event())
        assert backup.wait_for(lambda: len(router.dead_letters()) == 1, timeout=10)
    finally:
        router.close()
        primary.close()
        backup.close()
    states = {(d["receiver"], d["state"]) for d in router.outbox.deliveries()}
    assert states == {("primary", "failed_over"), ("backup", "dead")}
    assert len(primary.receipts) == 1  # a 400 is not retried
    assert len(backup.receipts) == 3
    assert "HTTP 500" in router.dead_letters()[0]["last_error"]


def test_circuit_breaker_stops_hammering(tmp_path, server) -> None:
    server.default = "500"
    extra = ", circuit_failures: 3, circuit_reset_s: 1.0"
    router = AlertRouter(
        webhook_policy(server.url, extra),
        tmp_path / "o.db",
        env=ENV,
        registry=CollectorRegistry(),
        tick_interval_s=0.05,
        idle_poll_s=0.05,
    )
    try:
        router.emit(make_event())
        assert server.wait_for(lambda: len(server.receipts) >= 3, timeout=5)
        time.sleep(0.5)  # the breaker is open: no attempt in this time
        during_open = len(server.receipts)
        server.default = "ok"
        assert server.wait_for(lambda: len(server.processed) == 1, timeout=5)
    finally:
        router.close()
    assert during_open == 3  # three failures, then the breaker held off


def test_rate_limit_delays_but_delivers(tmp_path, server) -> None:
    extra = ", rate_limit_per_minute: 600, rate_limit_burst: 2"
    router = AlertRouter(
        webhook_policy(server.url, extra),
        tmp_path / "o.db",
        env=ENV,
        registry=CollectorRegistry(),
        tick_interval_s=0.05,
        idle_poll_s=0.05,
    )
    start = time.monotonic()
    try:
        for e in _events(6):
            router.emit(e)
        assert server.wait_for(lambda: len(server.processed) == 6, timeout=10)
    finally:
        router.close()
    assert time.monotonic() - start >= 0.35  # 2 at once, then 10/s


_CHILD = r"""
import sys, time
import structlog
structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))
from prometheus_client import CollectorRegistry
from alerts.router import AlertRouter
from monitor.policy import load_policy
sys.path.insert(0, "tests")
from alerts_support import make_event
router = AlertRouter(load_policy(sys.argv[1]), sys.argv[2], env={"HOOK_SECRET": "x" * 16},
                     registry=CollectorRegistry(), tick_interval_s=0.05, idle_poll_s=0.05)
for i in range(int(sys.argv[3])):
    router.emit(make_event("cyber", model=f"m{i}"))
print("emitted", flush=True)
time.sleep(60)
"""


def test_sigkill_mid_delivery_then_restart(tmp_path) -> None:
    """A router process killed mid-delivery; a new one on the same outbox finishes the job:
    every alert processed once, nothing lost (at most the in-flight request is re-sent, with
    the same Idempotency-Key)."""
    import os
    import signal
    import subprocess
    import sys

    n = 20
    server = ScriptedServer()
    server.default = "slow_ok:0.03"
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(f"""
version: "t"
domains: {{cyber: {{routes: [primary], severity: critical}}}}
receivers:
  primary: {{type: webhook, url: "{server.url}", secret_env: HOOK_SECRET, {FAST}}}
""")
    outbox = tmp_path / "outbox.db"
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    child = subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "-c", _CHILD, str(policy_file), str(outbox), str(n)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=(tmp_path / "child.err").open("w"),
        text=True,
    )
    try:
        import contextlib
        import queue
        import threading

        lines: queue.Queue[str] = queue.Queue()

        def pump_stdout() -> None:  # read all of the child's stdout: its pipe never fills
            assert child.stdout is not None
            for out_line in child.stdout:
                lines.put(out_line.strip())
            lines.put("<eof>")

        threading.Thread(target=pump_stdout, daemon=True).start()
        got = ""
        deadline = time.monotonic() + 20
        while "emitted" not in got and got != "<eof>" and time.monotonic() < deadline:
            with contextlib.suppress(queue.Empty):
                got = lines.get(timeout=0.5)  # (log lines of worker threads may interleave)
        if "emitted" not in got:
            if child.poll() is None:
                child.send_signal(signal.SIGABRT)  # faulthandler prints where it was stuck
                child.wait(5)
            pytest.fail(f"child did not emit ({got!r}): {(tmp_path / 'child.err').read_text()}")
        assert server.wait_for(lambda: len(server.processed) >= 5, timeout=10)
        child.send_signal(signal.SIGKILL)
        child.wait(5)
        before = len(server.processed)
        assert before < n
        server.default = "ok"
        router = AlertRouter(
            load_policy(policy_file),
            outbox,
            env={"HOOK_SECRET": "x" * 16},
            registry=CollectorRegistry(),
            tick_interval_s=0.05,
            idle_poll_s=0.05,
        )
        try:
            assert server.wait_for(lambda: len(server.processed) == n, timeout=10)
            assert router.wait_idle(5, include_future=True)
        finally:
            router.close()
    finally:
        if child.poll() is None:
            child.kill()
        server.close()
    assert len(server.processed) == n
    assert all(c == 1 for c in server.processed.values())
    assert sum(server.duplicates.values()) <= 1
