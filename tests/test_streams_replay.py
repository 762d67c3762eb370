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


def test_restarted_worker_resumes_and_exports_kafka_metrics(kafka_broker, traffic, tmp_path):  # noqa: F811
    """After the first test: a new worker of the group recovers every partition, processes
    only the new samples, and exports lag, rebalances, per-partition throughput."""
    import json

    from prometheus_client import generate_latest

    from monitor.policy import load_policy
    from streams.config import StreamsConfig
    from streams.worker import Worker
    from tests.standins import fixed_classifier

    path, policy, _ = traffic
    lines = path.read_text().splitlines()[:100]
    extra = tmp_path / "extra.jsonl"
    extra.write_text("\n".join(line.replace('"s-0', '"x-0') for line in lines) + "\n")
    assert ss.replay_file(kafka_broker, extra)["published"] == 100
    config = StreamsConfig(
        bootstrap_servers=kafka_broker, session_timeout_ms=2000, heartbeat_interval_ms=500
    )
    worker = Worker(config, load_policy(policy), fixed_classifier(), name="in-process")
    stats = worker.run(exit_when_idle_s=1.5)
    assert stats.samples == 100 and stats.skipped == 0

    registry = worker.metrics.registry
    per_partition = [
        s.value
        for m in registry.collect()
        if m.name == "safety_monitor_kafka_partition_samples"
        for s in m.samples
        if s.name.endswith("_total")
    ]
    assert sum(per_partition) == 100
    assert (
        registry.get_sample_value("safety_monitor_kafka_rebalances_total", {"event": "assigned"})
        >= 1
    )
    text = generate_latest(registry).decode()
    assert "safety_monitor_kafka_consumer_lag_messages{" in text
    assert all(
        float(line.rsplit(" ", 1)[1]) == 0
        for line in text.splitlines()
        if line.startswith("safety_monitor_kafka_consumer_lag_messages{")
    )
    verdicts = [
        json.loads(r.value)["sample_id"]
        for r in ss.read_topic(kafka_broker, "safety-monitor.verdicts")
    ]
    assert len(verdicts) == len(set(verdicts)) == 20_100


def test_labels_join_their_samples_and_reach_the_classifier(kafka_broker, traffic, tmp_path):  # noqa: F811
    """Labels published while a worker runs are joined to their samples by sample_id, and
    shared so the classifier learns them (here: the worker's own, the only one)."""
    import json
    import threading
    import time

    from monitor.contract import Label
    from monitor.policy import load_policy
    from streams.config import StreamsConfig
    from streams.worker import Worker
    from tests.standins import fixed_classifier

    path, policy, _ = traffic
    config = StreamsConfig(
        bootstrap_servers=kafka_broker, session_timeout_ms=2000, heartbeat_interval_ms=500
    )
    classifier = fixed_classifier()
    worker = Worker(config, load_policy(policy), classifier, name="labels")
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not worker._parts:
        assert time.monotonic() < deadline
        time.sleep(0.1)

    lines = path.read_text().splitlines()[:50]
    samples = tmp_path / "samples.jsonl"
    samples.write_text("\n".join(line.replace('"s-0', '"y-0') for line in lines) + "\n")
    ids = [json.loads(line)["sample_id"] for line in samples.read_text().splitlines()]
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        "\n".join(json.dumps({"sample_id": i, "source": "human", "harmful": True}) for i in ids)
        + "\n{not json\n"
    )
    ss.replay_file(kafka_broker, labels, topic="safety-monitor.labels")  # before their samples
    ss.replay_file(kafka_broker, samples)

    def learned() -> list[str]:
        return [s.sample_id for s, lab in classifier.learned if isinstance(lab, Label)]

    while sorted(learned()) != sorted(ids):
        assert time.monotonic() < deadline, (len(learned()), worker.stats)
        time.sleep(0.2)
    worker.stop.stopped = True
    thread.join(30)
    assert worker.stats.labels == 50
    letters = [
        json.loads(r.value) for r in ss.read_topic(kafka_broker, "safety-monitor.dead-letters")
    ]
    assert any(letter["raw"].startswith("{not json") for letter in letters)
