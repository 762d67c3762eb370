"""Posture over a window: rates per segment with Wilson intervals, against the intended posture.

The unit is a :class:`Record`, a verdict joined with its sample's model, surface and time
(verdicts alone carry none of them). Rates follow :func:`monitor.posture.observations`, so a
report and the live monitor count the same things.

>>> from monitor.testing import make_sample, make_verdict
>>> pairs = [(make_sample(f"s-{i}"), make_verdict(f"s-{i}", domain="cyber",
...           request="disallowed", response="complied" if i == 0 else "refused"))
...          for i in range(10)]
>>> [r] = [r for r in posture_rates(pairs) if r.metric == "under_refusal_rate"]
>>> r.domain, r.model, r.events, r.n, round(r.rate, 2)
('cyber', 'model-a', 1, 10, 0.1)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from monitor.contract import Sample, Verdict
from monitor.corrected_rates import wilson
from monitor.policy import NO_DOMAIN, Policy
from monitor.posture import (
    HARMFUL_RATE,
    OVER_REFUSAL_RATE,
    POSTURE_METRICS,
    UNCERTAIN_RATE,
    UNDER_REFUSAL_RATE,
    observations,
)

ALL = "*"


@dataclass(frozen=True, slots=True)
class Record:
    """A verdict and what its sample says about where and when."""

    verdict: Verdict
    model: str = "unknown"
    surface: str = "unknown"
    timestamp: dt.datetime | None = None

    @property
    def sample_id(self) -> str:
        return self.verdict.sample_id

    @classmethod
    def of(cls, sample: Sample, verdict: Verdict) -> Record:
        return cls(verdict, sample.model, sample.surface, sample.timestamp)


@dataclass(frozen=True)
class PostureRate:
    """One rate of one segment; ``"*"`` in a key that was not split on."""

    domain: str
    model: str
    metric: str
    events: int
    n: int
    rate: float
    low: float
    high: float
    intended_max: float | None = None

    @property
    def status(self) -> str:
        """``above`` (the interval is above the maximum), ``within`` (below it),
        ``inconclusive`` (it straddles), or ``no bound``."""
        if self.intended_max is None:
            return "no bound"
        if self.low > self.intended_max:
            return "above"
        if self.high <= self.intended_max:
            return "within"
        return "inconclusive"


def as_records(items: Iterable[Record | tuple[Sample, Verdict]]) -> list[Record]:
    return [i if isinstance(i, Record) else Record.of(*i) for i in items]


def posture_rates(
    items: Iterable[Record | tuple[Sample, Verdict]],
    policy: Policy | None = None,
    *,
    by: Sequence[str] = ("domain", "model"),
    metrics: Sequence[str] = POSTURE_METRICS,
    confidence: float = 0.95,
) -> list[PostureRate]:
    """Rates per segment (``by``: any of ``domain``, ``model``), sorted by segment and metric.

    With a policy, each rate carries the intended maximum of its domain.
    """
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for record in as_records(items):
        key_domain = record.verdict.domain if "domain" in by else ALL
        key_model = record.model if "model" in by else ALL
        for metric, event in observations(record.verdict):
            cell = counts[key_domain, key_model, metric]
            cell[0] += event
            cell[1] += 1
    out = []
    for (domain, model, metric), (k, n) in sorted(counts.items()):
        if metric not in metrics:
            continue
        rate, low, high = wilson(k, n, confidence)
        bound = intended_max(policy, domain, metric)
        out.append(PostureRate(domain, model, metric, k, n, rate, low, high, bound))
    return out


def intended_max(policy: Policy | None, domain: str, metric: str) -> float | None:
    """The policy's maximum for a domain's rate (None: no policy, no bound, or ``"*"``)."""
    if policy is None or domain == ALL:
        return None
    if domain == NO_DOMAIN and metric == UNDER_REFUSAL_RATE:
        return None  # nothing is disallowed outside the policy's domains
    posture = policy.domain(domain).intended_posture or policy.defaults.intended_posture
    return {
        UNDER_REFUSAL_RATE: posture.max_under_refusal_rate,
        OVER_REFUSAL_RATE: posture.max_over_refusal_rate,
        HARMFUL_RATE: posture.max_harmful_rate,
        UNCERTAIN_RATE: None,
    }.get(metric)
