"""Two workers in one group split the partitions and together give the same result."""

from __future__ import annotations

import pytest

from tests import streams_support as ss
from tests.streams_fixtures import kafka_broker, traffic  # noqa: F401 - fixtures

pytestmark = pytest.mark.kafka


def test_two_workers_split_partitions_and_agree(kafka_broker, traffic, tmp_path):  # noqa: F811
    path, policy, reference = traffic
    ss.replay_file(kafka_broker, path)
    workers = [
        ss.start_worker(kafka_broker, policy, tmp_path / f"w{i}.log", "--exit-when-idle", "3")
        for i in range(2)
    ]
    for w in workers:
        assert w.wait(180) == 0, w.log_path.read_text()[-3000:]
    done = [
        next(e for e in w.events() if e.get("event") == "worker stopped")["samples"]
        for w in workers
    ]
    assert all(n > 0 for n in done), f"one worker did all the work: {done}"

    out = ss.collect(kafka_broker)
    assert sorted(out.verdict_ids) == sorted(reference.verdict_ids)
    assert out.alerts == reference.alerts
    assert out.counts == reference.counts
