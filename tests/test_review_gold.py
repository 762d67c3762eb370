"""Adjudication, the versioned gold set, and labeller calibration."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.adjudication import adjudicate
from monitor.contract import Label
from monitor.gold_set import GoldItem, GoldSet, gold_items, labeller_calibration, version_id

T0 = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)


def _labels():
    return [
        # s-1: 2-1 majority on request, unanimous response.
        Label("s-1", "human", request="disallowed", response="refused", labeler="a"),
        Label("s-1", "human", request="disallowed", response="refused", labeler="b"),
        Label("s-1", "human", request="allowed", response="refused", labeler="c"),
        # s-2: 1-1 tie on response -> queue; request unanimous.
        Label("s-2", "human", request="allowed", response="complied", labeler="a"),
        Label("s-2", "human", request="allowed", response="partial", labeler="b"),
        # s-3: tie, but an adjudicator settles it.
        Label("s-3", "human", harmful=True, labeler="a"),
        Label("s-3", "human", harmful=False, labeler="b"),
        Label("s-3", "adjudicator", harmful=True, labeler="lead"),
        # s-4: rater a changed their mind; the later label counts.
        Label("s-4", "human", domain="cyber", labeler="a", timestamp=T0),
        Label("s-4", "human", domain="none", labeler="a", timestamp=T0 + dt.timedelta(1)),
        Label("s-4", "human", domain="none", labeler="b"),
    ]


def test_majority_ties_and_adjudicator():
    result = adjudicate(_labels())
    items = result.items
    assert items["s-1"].request == "disallowed" and items["s-1"].methods["request"] == "majority"
    assert items["s-1"].methods["response"] == "unanimous"
    assert items["s-2"].response is None and items["s-2"].request == "allowed"
    assert [(d.sample_id, d.field, d.votes) for d in result.queue] == [
        ("s-2", "response", {"complied": 1, "partial": 1})
    ]
    assert items["s-3"].harmful is True and items["s-3"].methods["harmful"] == "adjudicator"
    assert items["s-4"].domain == "none" and items["s-4"].methods["domain"] == "unanimous"


def test_min_raters_queues_single_labels():
    labels = [Label("s-9", "human", request="allowed", labeler="a")]
    assert adjudicate(labels).items["s-9"].methods["request"] == "single"
    strict = adjudicate(labels, min_raters=2)
    assert "s-9" not in strict.items and strict.queue[0].field == "request"


def test_gold_versions_are_content_addressed_append_only_and_diffable(tmp_path):
    gold = GoldSet(tmp_path / "gold.jsonl")
    items = gold_items(adjudicate(_labels()).items.values())
    assert {i.sample_id for i in items} == {"s-1", "s-2", "s-3", "s-4"}
    v1 = gold.commit(items, note="batch 1", created_at=T0)
    assert v1 == version_id({i.sample_id: i for i in items})
    size_after_v1 = (tmp_path / "gold.jsonl").stat().st_size
    # Re-committing the same content adds nothing and keeps the id.
    assert gold.commit(items, created_at=T0) == v1
    assert (tmp_path / "gold.jsonl").stat().st_size == size_after_v1
    # A correction and a new item make a new version; the old one stays readable.
    fixed = GoldItem("s-1", request="allowed", response="refused", raters=3)
    v2 = gold.commit([fixed, GoldItem("s-5", request="allowed")], created_at=T0)
    assert gold.versions() == [v1, v2]
    assert gold.items(v1)["s-1"].request == "disallowed"
    assert gold.items()["s-1"].request == "allowed"
    diff = gold.diff(v1, v2)
    assert diff.added == ["s-5"] and diff.removed == []
    assert diff.changed == {"s-1": {"request": ("disallowed", "allowed")}}
    # The file only grew: v1's line is still its first line.
    assert (tmp_path / "gold.jsonl").read_bytes()[:size_after_v1].count(b"\n") == 1
    # Replacing the set removes items; the same content from another path gets the same id.
    v3 = gold.commit([fixed], replace=True, created_at=T0)
    assert gold.diff(v2, v3).removed == ["s-2", "s-3", "s-4", "s-5"]
    assert gold.diff(v2, v3).changed == {}
    other = GoldSet(tmp_path / "other.jsonl")
    assert other.commit([fixed]) == v3
    with pytest.raises(KeyError):
        gold.items("gs-nope")


def test_gold_needs_two_raters_unless_adjudicated():
    labels = [
        Label("s-1", "human", request="allowed", labeler="a"),
        Label("s-2", "adjudicator", request="allowed"),
    ]
    items = gold_items(adjudicate(labels).items.values(), min_raters=2)
    assert [i.sample_id for i in items] == ["s-2"]


def test_labeller_calibration_against_gold():
    gold = {
        "g-1": GoldItem("g-1", request="disallowed"),
        "g-2": GoldItem("g-2", request="allowed"),
        "g-3": GoldItem("g-3", request="allowed"),
        "g-4": GoldItem("g-4", request="disallowed"),
    }
    labels = [
        Label("g-1", "human", request="disallowed", labeler="good"),
        Label("g-2", "human", request="allowed", labeler="good"),
        Label("g-3", "human", request="allowed", labeler="good"),
        Label("g-4", "human", request="disallowed", labeler="good"),
        Label("g-1", "human", request="disallowed", labeler="lax"),
        Label("g-2", "human", request="allowed", labeler="lax"),
        Label("g-3", "human", request="allowed", labeler="lax"),
        Label("g-4", "human", request="allowed", labeler="lax"),
    ]
    scores = {s.labeler: s for s in labeller_calibration(labels, gold)}
    assert scores["good"].accuracy == 1.0 and scores["good"].kappa == pytest.approx(1.0)
    # lax: p_o = 3/4; lax says d 1/4, gold d 1/2 -> p_e = 1/8 + 3/8 = 1/2 -> kappa 0.5.
    assert scores["lax"].accuracy == 0.75 and scores["lax"].kappa == pytest.approx(0.5)
