"""20,000 samples through one Kafka worker: one verdict each, the embedded runner's alerts."""

from __future__ import annotations

import pytest

from tests import streams_support as ss
from tests.streams_fixtures import kafka_broker, traffic  # noqa: F401 - fixtures

pytestmark = pytest.mark.kafka


def test_one_worker_matches_the_embedded_runner(kafka_broker, traffic, tmp_path):  # noqa: F811
    path, policy, reference = traffic
    assert ss.replay_file(kafka_broker, path) == {"published": 20_000, "dead_letters": 3}
    worker = ss.start_worker(kafka_broker, policy, tmp_path / "w.log", "--exit-when-idle", "2")
    assert worker.wait(180) == 0, worker.log_path.read_text()[-3000:]

    out = ss.collect(kafka_broker)
    assert len(out.verdict_ids) == 20_000  # exactly one verdict each
    assert sorted(out.verdict_ids) == sorted(reference.verdict_ids)
    assert out.dead_letters == 3  # the malformed lines, with their reasons
    assert reference.alerts, "the traffic must make alerts fire"
    assert out.alerts == reference.alerts
    assert out.counts == reference.counts


def test_replay_dead_letters_carry_their_reason(kafka_broker):  # noqa: F811
    import json

    records = ss.read_topic(kafka_broker, "safety-monitor.dead-letters")
    letters = [json.loads(r.value) for r in records]
    assert letters and all(letter["reason"] and letter["origin"] for letter in letters)
