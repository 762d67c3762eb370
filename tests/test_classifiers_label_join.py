"""Delayed labels meet their samples by id, in bounded memory."""

from __future__ import annotations

import datetime as dt

from classifiers import LabelJoin
from monitor.contract import Label, Message, Sample

T0 = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)


def sample(sid: str, seconds: float = 0.0) -> Sample:
    messages = [Message("user", "q"), Message("assistant", "a")]
    return Sample(sid, T0 + dt.timedelta(seconds=seconds), "m", messages)


def test_label_after_and_before_its_sample():
    seen = []
    join = LabelJoin(lambda s, lab: seen.append((s.sample_id, lab.request)))
    join.add_sample(sample("a"))
    assert join.add_label(Label("a", "human", request="allowed"))
    assert not join.add_label(Label("b", "human", request="disallowed"))  # sample not seen yet
    join.add_sample(sample("b"))
    assert seen == [("a", "allowed"), ("b", "disallowed")]
    assert join.applied == 2


def test_capacity_bounds_memory():
    seen = []
    join = LabelJoin(lambda s, lab: seen.append(s.sample_id), capacity=3)
    for i in range(10):
        join.add_sample(sample(f"s{i}", i))
        join.add_label(Label(f"future{i}", "human", harmful=False))
    assert len(join) == 3
    assert not join.add_label(Label("s0", "human", harmful=True))  # evicted: waits instead
    assert join.add_label(Label("s9", "human", harmful=True))
    assert seen == ["s9"]
    assert len(join._pending) <= 3


def test_ttl_uses_sample_time():
    join = LabelJoin(lambda s, lab: None, ttl=60)
    join.add_sample(sample("old", 0))
    join.add_sample(sample("new", 120))
    assert not join.add_label(Label("old", "human", response="refused"))
    assert join.add_label(Label("new", "human", response="refused"))
