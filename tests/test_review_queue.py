"""Review-task selection: budget per hour of sample time, strata, determinism, alerts."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import msgspec

from monitor.contract import AlertEvent, Evidence, Grader, Segment
from monitor.policy import load_policy
from monitor.review_queue import (
    DOMAIN_GUIDANCE,
    ReviewSelector,
    ReviewTask,
    _allocate,
    select_tasks,
)
from monitor.testing import make_sample, make_verdict

DOMAINS = ("cyber", "self_harm", "none", "regulated_advice")
# Skewed traffic: "none" dominates, cyber is rare.
WEIGHTS = {"none": 70, "regulated_advice": 20, "self_harm": 7, "cyber": 3}


def _stream(hours: int = 6, per_hour: int = 2000, uncertain_every: int = 25):
    cycle = [d for d, w in WEIGHTS.items() for _ in range(w)]
    for i in range(hours * per_hour):
        domain = cycle[(i * 37) % len(cycle)]
        outcome = "uncertain" if i % uncertain_every == 0 else None
        sid = f"s-{i:06d}"
        sample = make_sample(sid, seconds=i * 3600 / per_hour)
        yield sample, make_verdict(sid, domain=domain, outcome=outcome)


def test_every_default_domain_has_guidance():
    assert set(load_policy().domain_names()) <= set(DOMAIN_GUIDANCE)


def test_budget_per_hour_and_strata_hold():
    selector = ReviewSelector(budget_per_hour=40, random_share=0.5, alert_share=0.0, seed=3)
    tasks = list(select_tasks(_stream(), selector=selector))
    per_hour = Counter(t.period for t in tasks)
    assert len(per_hour) == 6
    assert max(per_hour.values()) <= 40
    random_per_hour = Counter(t.period for t in tasks if t.reason == "random_slice")
    assert max(random_per_hour.values()) <= 20
    # Uncertain samples (80 an hour) fill the targeted half of the budget.
    targeted = Counter(t.period for t in tasks if t.reason == "uncertain")
    assert all(n == 20 for n in targeted.values())
    # After the first hour the allocation has learned the volumes: every stratum with
    # traffic is sampled, the rare one far above its 3% share of traffic.
    later = [t for t in tasks if t.reason == "random_slice" and t.period != min(per_hour)]
    strata = Counter(t.stratum.split(":")[0] for t in later)
    assert set(strata) == set(DOMAINS)
    assert strata["cyber"] >= 0.15 * sum(strata.values())
    # Inclusion probabilities are recorded and consistent with the draws: within an hour a
    # stratum's expected draws are volume x p.
    for t in later:
        assert 0 < t.inclusion_probability <= 1
    assert all(t.inclusion_probability is None for t in tasks if t.reason != "random_slice")


def test_random_slice_is_unbiased_by_the_recorded_probabilities():
    selector = ReviewSelector(budget_per_hour=100, random_share=1.0, alert_share=0.0, seed=5)
    tasks = [t for t in select_tasks(_stream(hours=8), selector=selector)]
    # Horvitz-Thompson: the sum of 1/p per stratum estimates the stratum's volume.
    estimate = Counter()
    for t in tasks:
        estimate[t.stratum.split(":")[0]] += 1 / t.inclusion_probability
    total = 8 * 2000
    for domain, weight in WEIGHTS.items():
        true = total * weight / 100
        assert abs(estimate[domain] - true) / true < 0.35, (domain, estimate[domain], true)


def test_selection_is_deterministic_and_seeded():
    def run(seed):
        sel = ReviewSelector(budget_per_hour=30, seed=seed)
        return [t.task_id for t in select_tasks(_stream(hours=2), selector=sel)]

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_grader_disagreement_and_uncertain_reasons():
    selector = ReviewSelector(budget_per_hour=10, random_share=0.0, alert_share=0.0)
    grader = Grader(request="allowed")
    sample = make_sample("s-1", grader=grader)
    task = selector.offer(sample, make_verdict("s-1", request="disallowed", response="refused"))
    assert task is not None and task.reason == "grader_disagreement"
    assert task.sample.grader is None  # blind: the labeller does not see the grader's call
    agreeing = make_sample("s-2", grader=grader)
    assert selector.offer(agreeing, make_verdict("s-2", request="allowed")) is None
    task = selector.offer(make_sample("s-3"), make_verdict("s-3", outcome="uncertain"))
    assert task.reason == "uncertain"


def test_alert_exemplars_become_tasks_within_their_budget():
    selector = ReviewSelector(budget_per_hour=10, random_share=0.0, alert_share=0.2)
    for i in range(5):
        selector.offer(make_sample(f"s-{i}", seconds=i), make_verdict(f"s-{i}", domain="cyber"))
    alert = AlertEvent(
        alert_id="a",
        dedup_key="k",
        status="firing",
        severity="critical",
        rule="posture_breach",
        metric="under_refusal_rate",
        segment=Segment("cyber", "model-a", "chat"),
        baseline=0.01,
        observed=0.2,
        intended_max=0.02,
        detected_at=make_sample("x", seconds=5).timestamp,
        detected_at_sample_id="s-4",
        evidence=[
            Evidence("s-4", "..."),
            Evidence("s-3", "..."),
            Evidence("s-2", "..."),
            Evidence("gone", "..."),
        ],
        owners=["cyber-policy"],
        runbook_url="https://x",
    )
    tasks = selector.offer_alert(alert)
    # 20% of 10 = 2 alert tasks an hour; the unknown sample id is skipped.
    assert [t.sample.sample_id for t in tasks] == ["s-4", "s-3"]
    assert all(t.reason == "alert_exemplar" and t.alert_dedup_key == "k" for t in tasks)
    assert selector.capped["alert_exemplar"] == 1


def test_tasks_round_trip_as_jsonl_with_policy_and_guidance():
    selector = ReviewSelector(budget_per_hour=5, seed=0)
    task = selector.offer(
        make_sample("s-1"), make_verdict("s-1", domain="self_harm", outcome="uncertain")
    )
    line = msgspec.json.encode(task)
    back = msgspec.json.decode(line, type=ReviewTask)
    assert back == task
    assert "self_harm" in task.policy_excerpt and "crisis" in task.guidance
    assert b"outcome" not in line  # labellers never see our verdict


def test_allocation_water_fills_small_strata():
    p = _allocate(30, {"a": 5.0, "b": 1000.0, "c": 2000.0, "d": 0.0})
    assert p["a"] == 1.0
    # The other two share the remaining 25 expected draws equally.
    assert abs(p["b"] * 1000 - 12.5) < 1e-9 and abs(p["c"] * 2000 - 12.5) < 1e-9
    assert 0 < p["d"] <= 1  # an unseen stratum keeps a chance


def test_late_samples_do_not_reopen_an_hour():
    selector = ReviewSelector(budget_per_hour=2, random_share=0.0, alert_share=0.0)
    base = dt.timedelta(hours=1)
    s = [make_sample(f"s-{i}", seconds=t) for i, t in enumerate([10, 3700, 20, 3710])]
    got = [selector.offer(x, make_verdict(x.sample_id, outcome="uncertain")) for x in s]
    assert [g is not None for g in got] == [True, True, True, False]
    assert got[2].period == s[0].timestamp.replace(minute=0, second=0) + base
