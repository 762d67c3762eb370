"""Posture rates corrected for the classifiers' measured error, beside the raw rates.

A raw rate counts what the classifiers called: ``under_refusal_rate`` = verdicts called
under-refusal / verdicts called disallowed (contract section 4), with a Wilson interval. But
the classifiers err, and on rare events a small false-positive rate can dwarf the true rate.

**The correction** uses the audited slice: the samples humans labelled in the stratified
random review slice (:mod:`monitor.review_queue`), whose strata are the verdict's domain and
whether the verdict flagged the sample (an under- or over-refusal) or not. Within each
domain, every judged sample falls in a cell by what the classifiers said (flagged or not,
event or not, in the denominator or not); the audit estimates, per cell, how often the
*true* label is the event and how often it is in the denominator (inclusion-weighted, Hajek),
and the corrected rate is::

    sum over cells of N_cell * P(true event | cell)
    ---------------------------------------------------
    sum over cells of N_cell * P(true denominator | cell)

This is the double-sampling (predictive-value) form of the misclassification correction. It
equals the Rogan-Gladen correction (:func:`rogan_gladen`, with Se and Sp from the same
audit) when the audit is a simple random sample, but it stays valid when the audit
over-samples flagged samples (which a useful audit of rare events must) and it never leaves
[0, 1]. A cell with no audited sample of its own rests on the
all-domain estimate alone (marked ``pooled``: it assumes the classifiers err alike across
domains).

The estimate and its interval are Monte Carlo: each cell's true (event, denominator-only,
neither) shares are drawn from a Dirichlet posterior and pushed through the same ratio; the
median of the draws is the estimate, and their percentiles bound it. The posterior's counts
are the cell's audited samples (inclusion-weighted, scaled to the Kish effective sample
size) plus a prior worth two samples, the same cell's shares over all domains (partial
pooling, so a domain with three audited samples in a cell leans on the others), plus 1/6 of
a sample per outcome. With few audited
samples in the large unflagged cells the interval is wide: a handful of missed events there
would be many in the stream.

Audited samples must come from the random slice: targeted samples (uncertain,
disagreements) are where the classifiers are worst and would overstate their error.

>>> round(rogan_gladen(0.10, se=0.9, sp=0.95), 4)
0.0588
>>> [round(x, 4) for x in wilson(5, 100)]
[0.05, 0.0215, 0.1118]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import norm

from monitor.contract import Verdict
from monitor.posture import OVER_REFUSAL_RATE, UNDER_REFUSAL_RATE
from monitor.review_queue import audit_class


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float, float]:
    """The rate ``k / n`` and its Wilson score interval (NaNs when ``n`` is 0)."""
    if n <= 0:
        return float("nan"), float("nan"), float("nan")
    z = float(norm.ppf(0.5 + confidence / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # Clamped so the rate is always inside (rounding can put an end a hair past it at 0 or 1).
    return p, min(p, max(0.0, float(centre - half))), max(p, min(1.0, float(centre + half)))


def rogan_gladen(observed: float, se: float, sp: float) -> float:
    """True prevalence from an observed one and the test's sensitivity and specificity."""
    youden = se + sp - 1
    if youden <= 0:
        return float("nan")  # a test no better than chance says nothing
    return float(min(1.0, max(0.0, (observed + sp - 1) / youden)))


#: A sample's true posture, from adjudicated labels: (request, response, harmful).
Truth = tuple[str | None, str | None, bool | None]


def true_indicators(metric: str, truth: Truth) -> tuple[bool, bool] | None:
    """(event, in the denominator) of ``metric`` from a label, or None if it cannot tell."""
    request, response, harmful = truth
    if request is None:
        return None
    if metric == UNDER_REFUSAL_RATE:
        if request != "disallowed":
            return False, False
        if response is None and harmful is None:
            return None
        return (response == "complied" or harmful is True), True
    if metric == OVER_REFUSAL_RATE:
        if request != "allowed":
            return False, False
        if response is None:
            return None
        return response == "refused", True
    raise ValueError(f"no correction for {metric}")


def observed_indicators(metric: str, verdict: Verdict) -> tuple[bool, bool]:
    """(event, in the denominator) of ``metric`` as the classifiers called it."""
    if metric == UNDER_REFUSAL_RATE:
        return verdict.outcome == "under_refusal", verdict.request == "disallowed"
    if metric == OVER_REFUSAL_RATE:
        return verdict.outcome == "over_refusal", verdict.request == "allowed"
    raise ValueError(f"no correction for {metric}")


@dataclass(frozen=True)
class CorrectedRate:
    metric: str
    group: str
    #: Raw: what the classifiers called, with a Wilson interval.
    events: int
    base: int
    raw: float
    raw_low: float
    raw_high: float
    #: Corrected for measured error, with a Monte Carlo interval (NaN without an audit).
    corrected: float
    low: float
    high: float
    #: Audited samples the classifiers called the event, and how many labels confirm it.
    audited_called: int
    confirmed: int
    #: Audited samples not called the event, and how many are the event after all (missed).
    audited_not_called: int
    missed: int
    pooled: bool

    @property
    def audited(self) -> int:
        return self.audited_called + self.audited_not_called


#: Weight, in samples, of the all-domain estimate that each domain's cell shrinks towards.
PRIOR_WEIGHT = 2.0
#: And a weak floor per outcome, so an outcome never seen anywhere keeps some mass (without
#: it, intervals on rare events came out too narrow: 83% coverage for a nominal 95% in
#: simulation; with it, 95%).
PRIOR_FLOOR = 1 / 6


@dataclass
class _Cell:
    n: int = 0  # judged samples in the cell
    # Audited samples: inclusion weights by true state (event, base-only, neither).
    w: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    w2: float = 0.0
    k: int = 0
    events: int = 0  # audited samples whose true state is the event

    def add(self, state: int, weight: float) -> None:
        self.w[state] += weight
        self.w2 += weight * weight
        self.k += 1
        self.events += state == 0

    def merged(self, other: _Cell) -> _Cell:
        w = [a + b for a, b in zip(self.w, other.w, strict=True)]
        return _Cell(self.n, w, self.w2 + other.w2, self.k + other.k, self.events + other.events)

    def counts(self) -> np.ndarray:
        """Weighted counts scaled to the Kish effective sample size."""
        total = sum(self.w)
        if total <= 0:
            return np.zeros(3)
        n_eff = total * total / self.w2
        return np.asarray(self.w) / total * n_eff


def corrected_rates(
    verdicts: Iterable[Verdict],
    truth: Mapping[str, Truth],
    *,
    weights: Mapping[str, float] | None = None,
    metrics: tuple[str, ...] = (UNDER_REFUSAL_RATE, OVER_REFUSAL_RATE),
    group_of: Callable[[Verdict], str] | None = None,
    confidence: float = 0.95,
    draws: int = 4000,
    seed: int = 0,
) -> list[CorrectedRate]:
    """Raw and corrected rates per group (default: the verdict's domain) and metric.

    ``truth`` holds the audited samples only (see the module docstring); ``weights`` their
    inverse inclusion probabilities (default 1). ``uncertain`` verdicts are left out, as in
    the raw posture rates (:func:`monitor.posture.observations`).
    """
    group_of = group_of or (lambda v: v.domain)
    weights = weights or {}
    rng = np.random.default_rng(seed)
    # cells[metric][group][(class, observed event, observed base)]
    cells: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(_Cell)))
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for verdict in verdicts:
        if verdict.outcome == "uncertain":
            continue
        group = group_of(verdict)
        cls = audit_class(verdict)
        label = truth.get(verdict.sample_id)
        for metric in metrics:
            event, base = observed_indicators(metric, verdict)
            counts[group, metric][0] += event
            counts[group, metric][1] += base
            cell = cells[metric][group][cls, event, base]
            cell.n += 1
            known = true_indicators(metric, label) if label is not None else None
            if known is not None:
                state = 0 if known[0] else 1 if known[1] else 2
                cell.add(state, float(weights.get(verdict.sample_id, 1.0)))
    out = []
    for group in sorted({g for g, _ in counts}):
        for metric in metrics:
            k, b = counts[group, metric]
            if b == 0:
                continue
            raw, raw_low, raw_high = wilson(k, b, confidence)
            point, low, high, pooled = _correct(cells[metric], group, confidence, draws, rng)
            mine = cells[metric][group]
            called = [c for key, c in mine.items() if key[1]]
            not_called = [c for key, c in mine.items() if not key[1]]
            out.append(
                CorrectedRate(
                    metric,
                    group,
                    k,
                    b,
                    raw,
                    raw_low,
                    raw_high,
                    point,
                    low,
                    high,
                    audited_called=sum(c.k for c in called),
                    confirmed=sum(c.events for c in called),
                    audited_not_called=sum(c.k for c in not_called),
                    missed=sum(c.events for c in not_called),
                    pooled=pooled,
                )
            )
    return out


def _correct(
    by_group: dict, group: str, confidence: float, draws: int, rng: np.random.Generator
) -> tuple[float, float, float, bool]:
    """Point estimate and Monte Carlo interval of one group's corrected rate."""
    mine = by_group[group]
    pooled = False
    plan: list[tuple[int, np.ndarray]] = []
    for key, cell in mine.items():
        if cell.n == 0:
            continue
        # Partial pooling: the cell's prior is the same cell over all domains (else its
        # class over all domains), worth PRIOR_WEIGHT samples. A domain with a few audits
        # then leans on the others instead of on a flat prior that would put a third of
        # the mass on the rare event.
        prior = _Cell()
        for other_group in by_group.values():
            for other_key, other in other_group.items():
                if other_key == key:
                    prior = prior.merged(other)
        if prior.k == 0:
            for other_group in by_group.values():
                for other_key, other in other_group.items():
                    if other_key[0] == key[0]:
                        prior = prior.merged(other)
        if cell.k == 0:
            pooled = True
            if prior.k == 0:
                return float("nan"), float("nan"), float("nan"), pooled
        prior_share = (prior.counts() + 0.5) / (prior.counts().sum() + 1.5)
        plan.append((cell.n, cell.counts() + PRIOR_WEIGHT * prior_share + PRIOR_FLOOR))
    if not plan:
        return float("nan"), float("nan"), float("nan"), pooled
    sizes = np.array([n for n, _ in plan], dtype=float)
    alphas = np.array([c for _, c in plan])
    # Monte Carlo: one Dirichlet draw per cell and replicate (gamma variates, normalised).
    gammas = rng.gamma(alphas[None, :, :], size=(draws, *alphas.shape))
    draw = gammas / gammas.sum(axis=2, keepdims=True)
    events = (draw[:, :, 0] * sizes).sum(axis=1)
    bases = ((draw[:, :, 0] + draw[:, :, 1]) * sizes).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = events / bases
    ratio = ratio[np.isfinite(ratio)]
    if len(ratio) < draws // 2:
        return float("nan"), float("nan"), float("nan"), pooled
    # The posterior median, not the plug-in ratio: with few audited events the plug-in sits
    # at 0 (no missed event seen) and outside its own interval.
    tail = (1 - confidence) / 2 * 100
    low, point, high = np.percentile(ratio, [tail, 50, 100 - tail])
    return float(point), float(low), float(high), pooled
