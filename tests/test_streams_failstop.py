"""A worker whose core fails halfway through a batch (after posture was updated) stops
without saving that state; the next worker redoes the batch and nothing is counted twice."""

from __future__ import annotations

import pytest

from monitor.policy import load_policy
from streams.config import StreamsConfig
from streams.worker import Worker
from tests import streams_support as ss
from tests.standins import fixed_classifier
from tests.streams_fixtures import kafka_broker, traffic  # noqa: F401 - fixtures

pytestmark = pytest.mark.kafka


class _Boom(RuntimeError):
    pass


def _failing_classifier(after_samples: int):
    """Learning (which the core does after posture and rules) fails once past N samples."""
    classifier = fixed_classifier()
    learn_many = classifier.learn_many

    def failing(samples, labels):
        if len(classifier.learned) + len(samples) > after_samples:
            raise _Boom("core failed mid-batch")
        learn_many(samples, labels)

    classifier.learn_many = failing
    return classifier


def test_core_failure_mid_batch_saves_nothing_and_restart_is_exact(kafka_broker, traffic):  # noqa: F811
    path, policy, reference = traffic
    ss.replay_file(kafka_broker, path)
    config = StreamsConfig(
        bootstrap_servers=kafka_broker,
        session_timeout_ms=2000,
        heartbeat_interval_ms=500,
        snapshot_interval_s=3600,  # so the failing partition holds unsaved state
    )
    first = Worker(config, load_policy(policy), _failing_classifier(9_000), name="failing")
    with pytest.raises(_Boom):
        first.run(exit_when_idle_s=2)
    assert first.stats.snapshots == 0  # not even at close: its state was half-applied

    second = Worker(config, load_policy(policy), fixed_classifier(), name="second")
    second.run(exit_when_idle_s=2)
    out = ss.collect(kafka_broker)
    row = ss.soak_row(out, reference)
    assert row["lost"] == 0 and row["double"] == 0 and row["segments_off"] == 0, row
    assert out.alerts == reference.alerts
    assert out.counts == reference.counts
