"""Classifier accuracy as the dashboards see it: grader verdicts that arrive with samples
are compared with the classifier's own verdict before the grader overrides it."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from monitor.contract import Grader, Label
from monitor.metrics import Metrics
from monitor.pipeline import Pipeline
from monitor.policy import load_policy
from monitor.testing import FixedClassifier, make_sample, make_verdict


def _checks(metrics: Metrics) -> dict[tuple[str, str], float]:
    return {
        (s.labels["field"], s.labels["result"]): s.value
        for family in metrics.registry.collect()
        for s in family.samples
        if s.name == "safety_monitor_label_checks_total"
    }


def test_grader_verdicts_count_agreement_before_they_override():
    # The classifier calls every request allowed/complied in domain "none".
    pipeline = Pipeline(load_policy(), FixedClassifier())
    metrics = Metrics(CollectorRegistry())
    samples = [
        make_sample("s-1", grader=Grader(domain="cyber", request="disallowed")),
        make_sample("s-2", grader=Grader(request="allowed", response="complied")),
        make_sample("s-3", grader=Grader(harmful=False)),
        make_sample("s-4"),  # no grader: not a check
    ]
    result = pipeline.process(samples)
    assert result.verdicts[0].domain == "cyber"  # the grader won
    metrics.observe_batch(samples, result, pipeline)
    checks = _checks(metrics)
    assert checks[("domain", "disagree")] == 1
    assert checks[("request", "disagree")] == 1
    assert checks[("request", "agree")] == 1
    assert checks[("response", "agree")] == 1
    assert checks[("harmful", "agree")] == 1
    assert sum(checks.values()) == 5


def test_every_field_result_pair_exists_before_any_label():
    checks = _checks(Metrics(CollectorRegistry()))
    assert checks == {
        (field, result): 0.0
        for field in ("domain", "request", "response", "harmful")
        for result in ("agree", "disagree")
    }


def test_late_labels_use_the_same_counter():
    metrics = Metrics(CollectorRegistry())
    verdict = make_verdict("s-1", domain="cyber", request="disallowed", response="refused")
    metrics.observe_label(verdict, Label("s-1", "human", domain="cyber", response="complied"))
    checks = _checks(metrics)
    assert checks[("domain", "agree")] == 1 and checks[("response", "disagree")] == 1
