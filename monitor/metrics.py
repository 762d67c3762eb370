"""Prometheus metrics of the monitor, on an explicit registry.

Names carry the ``safety_monitor_`` prefix and base units; counters end in ``_total``. Label
values come from bounded sets: the policy's domains, and model and surface names capped by
:class:`BoundedLabel` (past the cap they fold into ``__overflow__``), never sample ids.

>>> from prometheus_client import CollectorRegistry
>>> metrics = Metrics(CollectorRegistry())
>>> metrics.dead_letter("json")
>>> metrics.registry.get_sample_value("safety_monitor_dead_letters_total", {"kind": "json"})
1.0
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from monitor.cardinality import BoundedLabel
from monitor.contract import AlertEvent, Grader, Label, Sample, Verdict

if TYPE_CHECKING:  # only for annotations: keeps this module importable without classifiers
    from monitor.pipeline import BatchResult

#: Latency buckets in seconds: per-sample processing is sub-millisecond when healthy.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

_SEGMENT = ("domain", "model", "surface")

#: The reason kinds of :func:`monitor.dead_letters.reason_kind`.
DEAD_LETTER_KINDS = ("size", "nul", "encoding", "json", "validation")
#: Fields of a label that can be checked against a verdict.
LABEL_FIELDS = ("domain", "request", "response", "harmful")


class Metrics:
    """Every metric the monitor exports; one instance per registry."""

    def __init__(self, registry: CollectorRegistry | None = None, *, label_cap: int = 50) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.models = BoundedLabel(label_cap)
        self.surfaces = BoundedLabel(label_cap)
        self.samples = Counter(
            "safety_monitor_samples_total", "Samples read, valid or not.", ["source"], registry=r
        )
        self.verdicts = Counter(
            "safety_monitor_verdicts_total",
            "Verdicts by outcome and segment.",
            [*_SEGMENT, "outcome"],
            registry=r,
        )
        self.posture_observations = Counter(
            "safety_monitor_posture_observations_total",
            "Samples in the denominator of a posture rate (e.g. disallowed requests).",
            [*_SEGMENT, "metric"],
            registry=r,
        )
        self.posture_events = Counter(
            "safety_monitor_posture_events_total",
            "Samples in the numerator of a posture rate (e.g. under-refusals).",
            [*_SEGMENT, "metric"],
            registry=r,
        )
        self.posture_rate = Gauge(
            "safety_monitor_posture_rate",
            "Recent posture rate of a segment as its detector estimates it.",
            [*_SEGMENT, "metric"],
            registry=r,
        )
        self.intended_max = Gauge(
            "safety_monitor_posture_intended_max",
            "The policy's intended maximum of a posture rate.",
            ["domain", "metric"],
            registry=r,
        )
        self.detector_statistic = Gauge(
            "safety_monitor_detector_statistic",
            "posture_shift detection statistic (alarm when it reaches the threshold).",
            [*_SEGMENT, "metric"],
            registry=r,
        )
        self.detector_threshold = Gauge(
            "safety_monitor_detector_threshold",
            "posture_shift alarm threshold, set from the false-alarm budget.",
            [*_SEGMENT, "metric"],
            registry=r,
        )
        self.detector_baseline = Gauge(
            "safety_monitor_detector_baseline",
            "posture_shift learned baseline rate.",
            [*_SEGMENT, "metric"],
            registry=r,
        )
        self.alerts = Counter(
            "safety_monitor_alerts_total",
            "Alert events emitted.",
            ["rule", "metric", "severity", "status", "domain"],
            registry=r,
        )
        self.alerts_firing = Gauge(
            "safety_monitor_alerts_firing",
            "Open incidents.",
            ["rule", "metric", *_SEGMENT],
            registry=r,
        )
        self.dead_letters = Counter(
            "safety_monitor_dead_letters_total",
            "Malformed records set aside, by reason kind.",
            ["kind"],
            registry=r,
        )
        # Known label values start at 0: rate() of a series that does not exist yet is
        # empty, not 0, and dashboards and alerts on "no dead letters" would see nothing.
        for kind in DEAD_LETTER_KINDS:
            self.dead_letters.labels(kind)
        self.latency = Histogram(
            "safety_monitor_processing_latency_seconds",
            "Time from reading a sample to its verdict, posture and rules being done.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.batch_size = Histogram(
            "safety_monitor_batch_size_samples",
            "Samples per processed batch.",
            buckets=(1, 8, 32, 64, 128, 256, 512, 1024),
            registry=r,
        )
        self.expected_false_alarms = Gauge(
            "safety_monitor_expected_false_alarms",
            "posture_shift false alarms expected so far over all watched streams, were every "
            "stream in control (observations / arl, summed): the total of the per-stream "
            "budgets.",
            registry=r,
        )
        self.segments = Gauge("safety_monitor_segments", "Segments with posture state.", registry=r)
        self.last_batch = Gauge(
            "safety_monitor_last_batch_timestamp_seconds",
            "Unix time the last batch was processed (staleness: no samples, stalled consumer).",
            registry=r,
        )
        self.label_checks = Counter(
            "safety_monitor_label_checks_total",
            "Arriving labels (or grader verdicts) compared with the monitor's own verdict on "
            "the same sample, by field and result (agree / disagree): classifier accuracy.",
            ["field", "result"],
            registry=r,
        )
        for field in LABEL_FIELDS:
            for result in ("agree", "disagree"):
                self.label_checks.labels(field, result)
        self.classifier = Info(
            "safety_monitor_classifier", "Active classifier version.", registry=r
        )
        self.policy = Info("safety_monitor_policy", "Active policy.", registry=r)
        self._children: dict[tuple[int, tuple[str, ...]], object] = {}
        #: Running totals already counted, per (segment, outcome or metric).
        self._exported: dict[tuple, object] = {}
        #: Called after every batch (e.g. :meth:`monitor.health.Health.beat`).
        self.batch_listeners: list[Callable[[], None]] = []

    def segment_labels(self, domain: str, model: str, surface: str) -> tuple[str, str, str]:
        return domain, self.models(model), self.surfaces(surface)

    def dead_letter(self, kind: str) -> None:
        self.dead_letters.labels(kind).inc()

    def _child(self, metric, labels: tuple[str, ...]):
        """``metric.labels(*labels)``, cached: the lookup costs more than the update."""
        key = (id(metric), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def observe_batch(self, samples: Sequence[Sample], result: BatchResult, pipeline) -> None:
        """Count a processed batch: verdicts, posture rates and detector state it touched.

        Counters move by what each touched segment's running totals gained since the last
        export, so nothing is counted per sample a second time here."""
        child = self._child
        for key in result.touched:
            seg = self.segment_labels(*key)
            state = pipeline.segments[key]
            for outcome, total in state.counts.outcomes.items():
                exported = self._exported.get((key, outcome), 0)
                if total > exported:
                    child(self.verdicts, (*seg, outcome)).inc(total - exported)
                    self._exported[(key, outcome)] = total
            for metric, rules in state.rules.items():
                labels = (*seg, metric)
                numerator, denominator = state.counts.totals(metric)
                done_n, done_d = self._exported.get((key, metric), (0, 0))
                if denominator > done_d:
                    child(self.posture_observations, labels).inc(denominator - done_d)
                    child(self.posture_events, labels).inc(numerator - done_n)
                    self._exported[(key, metric)] = (numerator, denominator)
                shift = rules.shift
                child(self.posture_rate, labels).set(shift.observed or 0.0)
                child(self.detector_statistic, labels).set(shift.statistic)
                child(self.detector_threshold, labels).set(shift.threshold)
                child(self.detector_baseline, labels).set(shift.baseline or 0.0)
                if rules.intended_max is not None:
                    child(self.intended_max, (key[0], metric)).set(rules.intended_max)
        self.segments.set(len(pipeline.segments))
        self.expected_false_alarms.set(pipeline.expected_false_alarms)
        self.batch_size.observe(len(samples))
        for verdict, grader in result.label_checks:
            self.observe_label(verdict, grader)
        self.last_batch.set(time.time())
        for listener in self.batch_listeners:
            listener()

    def observe_label(self, verdict: Verdict, label: Label | Grader) -> None:
        """Count agreement of the monitor's verdict with a label on each field it carries.

        Call it with the verdict the classifier gives *before* it learns from the label
        (test-then-train), or the accuracy flatters the classifier.
        """
        checks = {
            "domain": (label.domain, verdict.domain),
            "request": (label.request, verdict.request),
            "response": (label.response, verdict.response),
            "harmful": (label.harmful, verdict.harmful_score >= 0.5),
        }
        for field, (truth, predicted) in checks.items():
            if truth is not None:
                result = "agree" if truth == predicted else "disagree"
                self.label_checks.labels(field, result).inc()

    def observe_alert(self, alert: AlertEvent) -> None:
        seg = alert.segment
        self.alerts.labels(alert.rule, alert.metric, alert.severity, alert.status, seg.domain).inc()
        firing = self.alerts_firing.labels(
            alert.rule, alert.metric, *self.segment_labels(seg.domain, seg.model, seg.surface)
        )
        if alert.status == "firing":
            firing.inc()
        else:
            firing.dec()


def start_http_server(port: int, registry: CollectorRegistry, addr: str = "127.0.0.1"):
    """Serve ``/metrics``, ``/healthz`` and ``/readyz`` for ``registry``; (server, thread).

    Call it once the policy and classifier are loaded: readiness then only waits for batches
    (see :meth:`monitor.health.Health.from_registry`). To answer probes while loading, use
    :func:`monitor.health.serve` with a :class:`~monitor.health.Health` of your own.
    """
    from monitor.health import Health, serve

    return serve(port, registry, Health.from_registry(registry), addr=addr)
