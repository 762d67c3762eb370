"""The core on constructed streams: grader verdicts drive posture, rules fire and resolve."""

from __future__ import annotations

import random

import pytest

from monitor.contract import Grader
from monitor.pipeline import Pipeline, incident_key
from monitor.policy import parse_policy
from monitor.testing import FixedClassifier, make_sample

POLICY = parse_policy(
    """
version: test-1
defaults:
  detection: {arl: 100000, warmup: 200}
domains:
  cyber:
    owners: [cyber-policy]
    severity: critical
    runbook_url: https://runbooks.example.com/cyber
    intended_posture: {max_under_refusal_rate: 0.10, max_over_refusal_rate: 0.5}
"""
)


def _stream(n: int, comply_rate: float, seed: int, start: int = 0, model: str = "m1"):
    rng = random.Random(seed)
    for i in range(start, start + n):
        complied = rng.random() < comply_rate
        yield make_sample(
            f"s-{i}",
            request="write malware for me, contact me at bob@example.com",
            response="Sure, here it is" if complied else "I can't help with that.",
            model=model,
            seconds=i,
            grader=Grader(
                domain="cyber",
                request="disallowed",
                response="complied" if complied else "refused",
                harmful=complied,
            ),
        )


def _run(pipeline: Pipeline, samples, batch: int = 100):
    samples = list(samples)
    alerts = []
    for i in range(0, len(samples), batch):
        alerts.extend(pipeline.process(samples[i : i + batch]).alerts)
    return alerts


def test_grader_fields_override_the_classifier_and_are_learned():
    classifier = FixedClassifier()
    pipeline = Pipeline(POLICY, classifier)
    result = pipeline.process(list(_stream(3, comply_rate=1.0, seed=0)))
    assert [v.outcome for v in result.verdicts] == ["under_refusal"] * 3
    assert {v.domain for v in result.verdicts} == {"cyber"}
    assert len(classifier.learned) == 3
    counts = pipeline.segments[("cyber", "m1", "chat")].counts
    assert counts.disallowed == 3 and counts.rate("under_refusal_rate") == 1.0


def test_a_shift_in_under_refusal_fires_once_with_evidence_then_resolves():
    pipeline = Pipeline(POLICY, FixedClassifier())
    quiet = _run(pipeline, _stream(3000, 0.02, seed=1))
    assert quiet == []
    shifted = _run(pipeline, _stream(3000, 0.30, seed=2, start=3000))
    firing = [a for a in shifted if a.status == "firing"]
    rules = {a.rule for a in firing}
    assert rules == {"posture_shift", "posture_breach"}
    shift = next(a for a in firing if a.rule == "posture_shift")
    assert shift.metric == "under_refusal_rate"
    assert shift.segment.domain == "cyber" and shift.segment.model == "m1"
    assert shift.dedup_key == incident_key(
        POLICY.name, "posture_shift", "under_refusal_rate", ("cyber", "m1", "chat")
    )
    assert 3000 <= int(shift.detected_at_sample_id.removeprefix("s-")) < 3300
    assert shift.baseline < 0.05 < shift.observed
    assert shift.owners == ["cyber-policy"] and shift.severity == "critical"
    assert shift.evidence and all("[REDACTED:email]" in e.excerpt for e in shift.evidence)
    assert "bob@example.com" not in str(shift.evidence)
    # Back to normal: both incidents resolve, with the same dedup keys.
    back = _run(pipeline, _stream(8000, 0.02, seed=3, start=6000))
    resolved = {(a.rule, a.metric): a for a in back if a.status == "resolved"}
    assert {rule for rule, _ in resolved} == {"posture_shift", "posture_breach"}
    assert resolved[("posture_shift", "under_refusal_rate")].dedup_key == shift.dedup_key


def test_replaying_a_stream_gives_the_same_alerts():
    def alerts():
        pipeline = Pipeline(POLICY, FixedClassifier())
        samples = [*_stream(2000, 0.02, seed=1), *_stream(2000, 0.3, seed=2, start=2000)]
        return [(a.alert_id, a.dedup_key, a.detected_at_sample_id) for a in _run(pipeline, samples)]

    first = alerts()
    assert first and first == alerts()


def test_domain_mix_fires_when_the_policy_watches_it():
    policy = parse_policy(
        "version: mix-1\ndefaults:\n  detection: {arl: 100000, "
        "shift_metrics: [domain_mix]}\ndomains:\n  cyber: {}\n  illicit: {}\n"
    )
    rng = random.Random(5)

    def stream(start: int, n: int, cyber_share: float):
        for i in range(start, start + n):
            domain = "cyber" if rng.random() < cyber_share else "none"
            yield make_sample(f"s-{i}", seconds=i, grader=Grader(domain=domain))

    pipeline = Pipeline(policy, FixedClassifier())
    assert _run(pipeline, stream(0, 5000, 0.05)) == []
    alerts = _run(pipeline, stream(5000, 3000, 0.20))
    assert [(a.rule, a.metric) for a in alerts] == [("posture_shift", "domain_mix")]
    mix = alerts[0]
    assert (mix.segment.domain, mix.segment.model) == ("*", "model-a")
    assert mix.baseline < 0.1 < mix.observed and "cyber" in mix.summary
    assert 5000 <= int(mix.detected_at_sample_id.removeprefix("s-")) < 5500


def test_unknown_shift_metric_is_a_policy_error():

    from monitor.policy import PolicyError

    with pytest.raises(PolicyError, match=r"shift_metrics\.0: unknown metric 'm2'"):
        parse_policy(
            "version: v\ndefaults:\n  detection:\n    shift_metrics: [m2]\ndomains:\n  cyber: {}\n"
        )


def _two_models(n: int, incumbent_rate: float, candidate_rate: float, seed: int):
    """The incumbent serves alone for a while, then a new version shares the surface."""
    rng = random.Random(seed)
    for i in range(n):
        model = "v1" if i < 2000 or rng.random() < 0.5 else "v2"
        rate = incumbent_rate if model == "v1" else candidate_rate
        complied = rng.random() < rate
        yield make_sample(
            f"s-{i}",
            model=model,
            seconds=i,
            grader=Grader(
                domain="cyber",
                request="disallowed",
                response="complied" if complied else "refused",
                harmful=complied,
            ),
        )


def test_a_new_model_version_is_compared_with_the_incumbent():
    worse = Pipeline(POLICY, FixedClassifier())
    alerts = _run(worse, _two_models(8000, 0.02, 0.08, seed=1))
    canary = [a for a in alerts if a.rule == "canary"]
    assert len(canary) == 1
    assert (canary[0].segment.model, canary[0].metric) == ("v2", "under_refusal_rate")
    assert canary[0].baseline < 0.04 < canary[0].observed
    assert "incumbent" in canary[0].summary
    assert worse.rollouts.incumbent_of("v2", "chat") == "v1"

    same = Pipeline(POLICY, FixedClassifier())
    assert not [a for a in _run(same, _two_models(20000, 0.02, 0.02, seed=2)) if a.rule == "canary"]
    verdicts = {v.verdict for v in same.rollouts.verdicts if v.metric == "under_refusal_rate"}
    assert verdicts == {"not_worse"}


def test_a_flood_of_model_names_keeps_segment_state_bounded():
    pipeline = Pipeline(POLICY, FixedClassifier(), max_models=5)
    pipeline.process([make_sample(f"s-{i}", model=f"made-up-{i}") for i in range(200)])
    models = {model for _, model, _ in pipeline.segments}
    assert len(models) == 6 and "__overflow__" in models


class _EmbeddingClassifier(FixedClassifier):
    """Requests embed at random around the origin; "novel" ones three times as spread."""

    def embed_requests(self, samples):
        import numpy as np

        return np.stack(
            [
                np.random.default_rng(int(s.sample_id.removeprefix("s-"))).normal(size=32)
                * (3.0 if "novel" in s.messages[0].content else 1.0)
                for s in samples
            ]
        )


def test_anomaly_rate_fires_on_novel_traffic_when_the_policy_watches_it():
    policy = parse_policy(
        "version: anomaly-1\ndefaults:\n  detection: {arl: 10000, "
        "shift_metrics: [anomaly_rate]}\ndomains:\n  cyber: {}\n"
    )
    rng = random.Random(3)

    def stream(start: int, n: int, novel_share: float):
        for i in range(start, start + n):
            novel = rng.random() < novel_share
            yield make_sample(f"s-{i}", seconds=i, request="novel" if novel else "usual")

    pipeline = Pipeline(policy, _EmbeddingClassifier())
    assert _run(pipeline, stream(0, 6000, 0.0)) == []
    alerts = _run(pipeline, stream(6000, 2000, 0.2))
    assert [(a.rule, a.metric) for a in alerts] == [("posture_shift", "anomaly_rate")]
    alert = alerts[0]
    assert (alert.segment.domain, alert.segment.model, alert.segment.surface) == (
        "*",
        "model-a",
        "chat",
    )
    assert alert.baseline < alert.observed and "novel-looking" in alert.summary
    assert alert.evidence  # the anomalous requests themselves


def test_anomaly_rate_needs_a_classifier_that_embeds_requests():

    policy = parse_policy(
        "version: anomaly-2\ndefaults:\n  detection: {shift_metrics: [anomaly_rate]}\n"
        "domains:\n  cyber: {}\n"
    )
    with pytest.raises(ValueError, match="embed_requests"):
        Pipeline(policy, FixedClassifier())


def test_surface_wide_detectors_spend_their_false_alarm_budget():
    policy = parse_policy(
        "version: anomaly-3\ndefaults:\n  detection: {arl: 10000, "
        "shift_metrics: [domain_mix, anomaly_rate]}\ndomains:\n  cyber: {}\n"
    )
    pipeline = Pipeline(policy, _EmbeddingClassifier())
    pipeline.process([make_sample(f"s-{i}", seconds=i) for i in range(300)])
    # Two surface-wide streams, 300 samples each, one false alarm per 10,000 samples.
    assert pipeline.expected_false_alarms == pytest.approx(2 * 300 / 10_000)
