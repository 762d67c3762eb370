"""The monitor's core: samples in; verdicts, posture, detector state and alert events out.

It knows nothing of Kafka, files or Prometheus: the embedded runner, the Faust workers and
the CLI are adapters that feed it batches and ship what it returns.

>>> from monitor.policy import load_policy
>>> from monitor.testing import make_sample, FixedClassifier
>>> pipeline = Pipeline(load_policy(), FixedClassifier())
>>> result = pipeline.process([make_sample("s-1")])
>>> [v.outcome for v in result.verdicts], result.alerts
(['ok'], [])
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote

from classifiers.label_join import LabelJoin
from classifiers.outcome import apply_grader
from monitor.anomaly_rate import AnomalyRate
from monitor.cardinality import BoundedLabel
from monitor.contract import (
    AlertEvent,
    Grader,
    Label,
    Sample,
    Segment,
    Verdict,
    request_text,
    response_text,
)
from monitor.domain_mix import DomainMix
from monitor.evidence import Exemplars
from monitor.policy import NO_DOMAIN, Policy
from monitor.posture import (
    HARMFUL_RATE,
    OVER_REFUSAL_RATE,
    UNDER_REFUSAL_RATE,
    PostureCounts,
    observations,
)
from monitor.rollout import CanaryVerdict, Rollouts
from monitor.rules import POSTURE_SHIFT, StreamRules, Transition

#: Rule name of the alert a canary verdict of "worse" raises.
CANARY = "canary"
DOMAIN_MIX = "domain_mix"
ANOMALY_RATE = "anomaly_rate"
#: Segment key of a rule that does not split on a field.
ANY = "*"

#: Namespace of alert ids: uuid5 of the incident and the sample that caused the event, so a
#: replay of the same stream gives the same ids.
_ALERT_NAMESPACE = uuid.UUID("6f1d2c8e-2b8a-4d3e-9a53-9b0f6f3c5a11")


class Classifier(Protocol):
    """What the pipeline needs of a classifier (see :mod:`classifiers`)."""

    version: str

    def classify(self, samples: Sequence[Sample]) -> list[Verdict]: ...

    def learn(self, sample: Sample, label: Label | Grader) -> None: ...

    def learn_many(self, samples: Sequence[Sample], labels: Sequence[Label | Grader]) -> None: ...


SegmentKey = tuple[str, str, str]  # (domain, model, surface)


@dataclass
class SegmentState:
    """Posture and detector state of one segment."""

    counts: PostureCounts = field(default_factory=PostureCounts)
    rules: dict[str, StreamRules] = field(default_factory=dict)
    exemplars: dict[str, Exemplars] = field(default_factory=dict)
    #: Open incidents by (rule, metric): their dedup keys.
    open_incidents: dict[tuple[str, str], str] = field(default_factory=dict)
    #: The request-domain mix and anomaly-rate detectors, on (any domain, model, surface)
    #: states only, each when the policy watches it.
    mix: DomainMix | None = None
    anomaly: AnomalyRate | None = None


@dataclass
class BatchResult:
    verdicts: list[Verdict]
    alerts: list[AlertEvent]
    #: Segments whose state this batch changed (for metrics exporters).
    touched: set[SegmentKey]
    #: Canary verdicts of new model versions reached in this batch.
    canaries: list[CanaryVerdict] = field(default_factory=list)
    #: The classifier's own verdict and the grader verdict that came with the sample, before
    #: the grader overrode it (for classifier accuracy metrics).
    label_checks: list[tuple[Verdict, Label | Grader]] = field(default_factory=list)


class Pipeline:
    """Classify, apply upstream grader verdicts, track posture, run the rules, build alerts."""

    def __init__(
        self,
        policy: Policy,
        classifier: Classifier,
        *,
        margin: float = 0.15,
        label_window: int = 20_000,
        max_models: int = 1_000,
        max_surfaces: int = 100,
    ) -> None:
        self.policy = policy
        self.classifier = classifier
        self.margin = margin
        #: Recent samples kept so that delayed labels can find them (bounded).
        self.labels = LabelJoin(self._learn_label, capacity=label_window)
        #: Delayed labels applied since the last batch, with the verdict the classifier gave
        #: just before learning each; handed out with the next batch's result.
        self._label_checks: list[tuple[Verdict, Label | Grader]] = []
        self.segments: dict[SegmentKey, SegmentState] = {}
        # Models and surfaces past these caps share one overflow segment: the state of a
        # flood of made-up names stays bounded.
        self._models = BoundedLabel(max_models)
        self._surfaces = BoundedLabel(max_surfaces)
        self._domains = frozenset(policy.domain_names())
        self.rollouts = Rollouts()
        #: Per (model, surface): the request-domain mix and the share of novel-looking
        #: requests, when the policy watches them.
        self.mixes: dict[tuple[str, str], SegmentState] = {}
        watched = policy.defaults.detection.shift_metrics
        self._watch_mix = DOMAIN_MIX in watched
        self._watch_anomaly = ANOMALY_RATE in watched
        if self._watch_anomaly and not hasattr(classifier, "embed_requests"):
            raise ValueError(
                "the policy watches anomaly_rate, but the classifier has no embed_requests()"
            )
        self.samples_seen = 0
        #: False posture_shift alarms expected so far if every watched stream were in
        #: control: the sum over watched observations of 1 / arl. Each stream keeps its own
        #: budget; this is the total on-call should expect from all of them together.
        self.expected_false_alarms = 0.0

    # -- the stream -----------------------------------------------------------------------
    def process(self, samples: Sequence[Sample]) -> BatchResult:
        """Judge a batch of samples (in stream order) and run every rule they touch."""
        verdicts = self.classifier.classify(samples)
        # The anomaly detectors watch where requests lie in the embedding space.
        embedded = self.classifier.embed_requests(samples) if self._watch_anomaly else None
        result = BatchResult(verdicts, [], set(), label_checks=self._label_checks)
        self._label_checks = []
        graded: list[Sample] = []
        for i, (sample, verdict) in enumerate(zip(samples, verdicts, strict=True)):
            if sample.grader is not None:
                result.label_checks.append((verdict, sample.grader))
                verdict = apply_grader(
                    verdict, sample.grader, margin=self.margin, domains=self._domains
                )
                verdicts[i] = verdict
                graded.append(sample)
            self.labels.add_sample(sample)
            key = (verdict.domain, self._models(sample.model), self._surfaces(sample.surface))
            result.touched.add(key)
            self.rollouts.see(key[1], key[2])
            self._observe(key, sample, verdict, result)
            if self._watch_mix:
                self._observe_mix(key, sample, verdict, result)
            if embedded is not None:
                self._observe_anomaly(key, sample, embedded[i], result)
        # Test, then train: the batch was judged before its grader verdicts are learned.
        if graded:
            self.classifier.learn_many(graded, [s.grader for s in graded])
        self.samples_seen += len(samples)
        return result

    def _learn_label(self, sample: Sample, label: Label) -> None:
        # Test, then train: the verdict before learning is what measures the classifier.
        self._label_checks.append((self.classifier.classify([sample])[0], label))
        self.classifier.learn(sample, label)

    def add_label(self, label: Label) -> bool:
        """A human, gold or red-team label: learned now if its sample is still held, else
        when the sample arrives (True when applied now)."""
        return self.labels.add_label(label)

    def _observe(
        self, key: SegmentKey, sample: Sample, verdict: Verdict, result: BatchResult
    ) -> None:
        state = self.segments.get(key)
        if state is None:
            state = self.segments[key] = SegmentState()
        events = observations(verdict)
        state.counts.update(verdict.outcome, events)
        for metric, event in events:
            rules = state.rules.get(metric)
            if rules is None:
                rules = state.rules[metric] = self._new_rules(key[0], metric)
                state.exemplars[metric] = Exemplars()
            if event:
                state.exemplars[metric].add(
                    sample.sample_id, request_text(sample), response_text(sample)
                )
            if rules.watch_shift:
                self.expected_false_alarms += rules.false_alarm_rate
            for transition in rules.update(event):
                alert = self._alert(key, metric, transition, sample, state)
                if alert is not None:
                    result.alerts.append(alert)
            for canary in self.rollouts.observe(*key, metric, event):
                result.canaries.append(canary)
                if canary.verdict == "worse":
                    transition = Transition(
                        CANARY,
                        "firing",
                        baseline=canary.incumbent_rate,
                        observed=canary.candidate_rate,
                        statistic=canary.statistic,
                        threshold=None,
                        window=canary.samples,
                    )
                    candidate_key = (canary.domain, canary.candidate, canary.surface)
                    candidate = self.segments.get(candidate_key, state)
                    alert = self._alert(candidate_key, metric, transition, sample, candidate)
                    if alert is not None:
                        result.alerts.append(alert)

    def _surface_state(self, segment: SegmentKey) -> tuple[SegmentKey, SegmentState]:
        """The (any domain, model, surface) state, with the detectors the policy watches."""
        key = (ANY, segment[1], segment[2])
        state = self.mixes.get(key[1:])
        if state is None:
            state = self.mixes[key[1:]] = SegmentState()
            detection = self.policy.defaults.detection
            if self._watch_mix:
                state.mix = DomainMix(
                    categories=self.policy.domain_names(),
                    arl=detection.arl,
                    warmup=detection.warmup,
                    two_sided=True,
                )
            if self._watch_anomaly:
                # The scaling and the score threshold need a few thousand requests.
                state.anomaly = AnomalyRate(arl=detection.arl, warmup=max(detection.warmup, 2000))
        return key, state

    def _observe_anomaly(
        self, segment: SegmentKey, sample: Sample, embedding, result: BatchResult
    ) -> None:
        key, state = self._surface_state(segment)
        self.expected_false_alarms += 1.0 / self.policy.defaults.detection.arl
        detector = state.anomaly
        fired = detector.update(embedding)
        if detector.anomalous:
            exemplars = state.exemplars.get(ANOMALY_RATE)
            if exemplars is None:
                exemplars = state.exemplars[ANOMALY_RATE] = Exemplars()
            exemplars.add(sample.sample_id, request_text(sample), response_text(sample))
        if not fired or (POSTURE_SHIFT, ANOMALY_RATE) in state.open_incidents:
            return
        summary = (
            f"novel-looking requests to {key[1]}/{key[2]} rose from "
            f"{_pct(detector.baseline)} to {_pct(detector.observed)} of traffic"
        )
        rates = (detector.baseline, detector.observed)
        self._surface_shift(key, ANOMALY_RATE, state, sample, result, detector, rates, summary)

    def _observe_mix(
        self, segment: SegmentKey, sample: Sample, verdict: Verdict, result: BatchResult
    ) -> None:
        key, state = self._surface_state(segment)
        self.expected_false_alarms += 1.0 / self.policy.defaults.detection.arl
        exemplars = state.exemplars.get(verdict.domain)
        if exemplars is None:
            exemplars = state.exemplars[verdict.domain] = Exemplars()
        exemplars.add(sample.sample_id, request_text(sample), response_text(sample))
        mix = state.mix
        if not mix.update(verdict.domain) or (POSTURE_SHIFT, DOMAIN_MIX) in state.open_incidents:
            return
        changed = mix.changed_category
        baseline, observed = mix.baseline.get(changed), mix.observed.get(changed)
        state.exemplars[DOMAIN_MIX] = state.exemplars[changed]
        summary = (
            f"request-domain mix of {key[1]}/{key[2]} changed: {changed} "
            f"{mix.direction} from {_pct(baseline)} to {_pct(observed)}"
        )
        rates = (baseline, observed)
        self._surface_shift(key, DOMAIN_MIX, state, sample, result, mix, rates, summary)

    def _surface_shift(
        self,
        key: SegmentKey,
        metric: str,
        state: SegmentState,
        sample: Sample,
        result: BatchResult,
        detector: DomainMix | AnomalyRate,
        rates: tuple[float | None, float | None],
        summary: str,
    ) -> None:
        # A surface-wide incident (domain mix, anomaly rate) stays open while its detector
        # re-learns the baseline: humans resolve it, not the detector.
        transition = Transition(
            POSTURE_SHIFT,
            "firing",
            baseline=rates[0],
            observed=rates[1],
            statistic=detector.statistic,
            threshold=detector.threshold,
            window=detector.n,
        )
        alert = self._alert(key, metric, transition, sample, state)
        if alert is not None:
            alert.summary = summary
            result.alerts.append(alert)

    def _new_rules(self, domain: str, metric: str) -> StreamRules:
        intended_max = _intended_max(self.policy.domain(domain).intended_posture, metric)
        if domain == NO_DOMAIN and metric == UNDER_REFUSAL_RATE:
            intended_max = None  # nothing is disallowed outside the policy's domains
        detection = self.policy.detection(domain)
        return StreamRules(detection, intended_max, watch_shift=metric in detection.shift_metrics)

    # -- alert events ---------------------------------------------------------------------
    def _alert(
        self,
        key: SegmentKey,
        metric: str,
        transition: Transition,
        sample: Sample,
        state: SegmentState,
    ) -> AlertEvent | None:
        incident = (transition.rule, metric)
        if transition.status == "firing":
            dedup_key = state.open_incidents[incident] = incident_key(
                self.policy.name, transition.rule, metric, key
            )
        else:
            dedup_key = state.open_incidents.pop(incident, None)
            if dedup_key is None:
                return None
        domain = self.policy.domain(key[0])
        segment = Segment(*key)
        exemplars = state.exemplars.get(metric)
        links = {"runbook": domain.runbook_url} if domain.runbook_url else {}
        fields = dict(zip(("domain", "model", "surface"), map(quote, key), strict=True))
        for name, template in self.policy.links.items():
            links[name] = template.format(**fields)
        return AlertEvent(
            alert_id=str(uuid.uuid5(_ALERT_NAMESPACE, f"{dedup_key}|{sample.sample_id}")),
            dedup_key=dedup_key,
            status=transition.status,  # type: ignore[arg-type]
            severity=domain.severity or "warning",
            rule=transition.rule,
            metric=metric,
            segment=segment,
            baseline=_round(transition.baseline),
            observed=_round(transition.observed),
            intended_max=_intended_max(domain.intended_posture, metric),
            detected_at=sample.timestamp,
            detected_at_sample_id=sample.sample_id,
            evidence=exemplars.evidence() if exemplars is not None else [],
            owners=list(domain.owners),
            runbook_url=domain.runbook_url,
            statistic=_round(transition.statistic),
            threshold=_round(transition.threshold),
            window=transition.window,
            links=links or None,
            summary=_summary(transition, metric, segment),
        )


def incident_key(policy_name: str, rule: str, metric: str, key: SegmentKey) -> str:
    """One stable dedup key per incident: policy, rule, metric and segment."""
    return str(uuid.uuid5(_ALERT_NAMESPACE, "|".join((policy_name, rule, metric, *key))))


def _intended_max(posture, metric: str) -> float | None:
    return {
        UNDER_REFUSAL_RATE: posture.max_under_refusal_rate,
        OVER_REFUSAL_RATE: posture.max_over_refusal_rate,
        HARMFUL_RATE: posture.max_harmful_rate,
    }.get(metric)


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def _summary(t: Transition, metric: str, segment: Segment) -> str:
    where = f"{segment.domain}/{segment.model}/{segment.surface}"
    if t.rule == CANARY:
        return (
            f"new model version {segment.model} on {segment.surface}: {metric} in "
            f"{segment.domain} is {_pct(t.observed)} against the incumbent's {_pct(t.baseline)}"
        )
    if t.status == "resolved":
        return f"{t.rule} on {metric} of {where} resolved (now {_pct(t.observed)})"
    return f"{metric} of {where} is {_pct(t.observed)} (baseline {_pct(t.baseline)}): {t.rule}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"
