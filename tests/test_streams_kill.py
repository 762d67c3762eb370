"""A worker SIGKILLed mid-stream and restarted: nothing lost, nothing counted twice, the
incident fires at the same sample."""

from __future__ import annotations

import time

import pytest

from tests import streams_support as ss
from tests.streams_fixtures import kafka_broker, traffic  # noqa: F401 - fixtures

pytestmark = pytest.mark.kafka


def test_sigkill_and_restart_lose_and_double_nothing(kafka_broker, traffic, tmp_path):  # noqa: F811
    path, policy, reference = traffic
    ss.replay_file(kafka_broker, path)
    first = ss.start_worker(
        kafka_broker, policy, tmp_path / "first.log", "--snapshot-interval-s", "0.5"
    )
    deadline = time.monotonic() + 120
    count = ss.VerdictCounter(kafka_broker)
    while count() < 8_000:
        assert first.proc.poll() is None and time.monotonic() < deadline
    count.close()
    first.kill()

    second = ss.start_worker(kafka_broker, policy, tmp_path / "second.log", "--exit-when-idle", "2")
    assert second.wait(180) == 0, second.log_path.read_text()[-3000:]
    recovered = [e for e in second.events() if e.get("event") == "partitions recovered"]
    assert any(a >= 0 for e in recovered for a in e["applied"].values()), "no state recovered"

    out = ss.collect(kafka_broker)
    report = ss.soak_row(out, reference)
    assert report["lost"] == 0 and report["double"] == 0, report
    assert report["dup_verdicts"] == 0 and report["dup_alerts"] == 0, report
    assert out.alerts == reference.alerts  # same incidents at the same samples
    assert out.counts == reference.counts
