"""Two crashes in a row: the second owner snapshots while still redoing what the first had
published, then dies too. The third must neither recount nor re-send anything."""

from __future__ import annotations

import pytest

from monitor.policy import load_policy
from streams.config import StreamsConfig
from streams.worker import Worker
from tests import streams_support as ss
from tests.standins import fixed_classifier
from tests.streams_fixtures import kafka_broker, traffic  # noqa: F401 - fixtures
from tests.test_streams_failstop import _Boom, _failing_classifier

pytestmark = pytest.mark.kafka


def test_crash_while_redoing_a_crash_re_sends_nothing(kafka_broker, traffic):  # noqa: F811
    path, policy, reference = traffic
    ss.replay_file(kafka_broker, path)
    base = dict(bootstrap_servers=kafka_broker, session_timeout_ms=2000, heartbeat_interval_ms=500)
    # Small batches interleave the partitions, so the owners' work overlaps.
    # First owner: publishes outputs for ~18,000 samples, never snapshots.
    first = Worker(
        StreamsConfig(**base, snapshot_interval_s=3600, batch_size=500),
        load_policy(policy),
        _failing_classifier(18_000),
        name="first",
    )
    with pytest.raises(_Boom):
        first.run()
    # Second owner: redoes from scratch, snapshots often, dies before catching up.
    second = Worker(
        StreamsConfig(**base, snapshot_interval_s=0.01, batch_size=500),
        load_policy(policy),
        _failing_classifier(3_000),
        name="second",
    )
    with pytest.raises(_Boom):
        second.run()
    assert second.stats.snapshots > 0 and second.stats.suppressed > 0
    third = Worker(StreamsConfig(**base), load_policy(policy), fixed_classifier(), name="third")
    third.run(exit_when_idle_s=2)

    out = ss.collect(kafka_broker)
    row = ss.soak_row(out, reference)
    assert row == {
        **row,
        "lost": 0,
        "double": 0,
        "segments_off": 0,
        "dup_verdicts": 0,
        "dup_alerts": 0,
        "alerts_match": True,
    }, row
