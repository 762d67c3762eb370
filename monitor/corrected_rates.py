"""Posture rates corrected for the classifiers' measured error, beside the raw rates.

A raw rate counts what the classifiers called: ``under_refusal_rate`` = verdicts called
under-refusal / verdicts called disallowed (contract section 4), with a Wilson interval. But
the classifiers err, and on rare events a small false-positive rate can dwarf the true rate.

The correction (Rogan and Gladen, 1978) treats both the numerator event ("an
under-refusal") and the denominator event ("a disallowed request") as prevalences among the
judged samples of a stratum, each measured by an imperfect test whose sensitivity (Se) and
specificity (Sp) are estimated from the audited slice, the samples humans labelled in the
stratified random review slice (:mod:`monitor.review_queue`)::

    prevalence = (observed + Sp - 1) / (Se + Sp - 1)     (clipped to [0, 1])
    corrected rate = prevalence(event) / prevalence(denominator event)

The interval is Monte Carlo: Se, Sp and the observed prevalences are drawn from their
Jeffreys (Beta(k + 1/2, n - k + 1/2)) posteriors and pushed through the same formula; the
percentiles of the draws bound the rate. Too few audited positives make Se uncertain and the
interval honestly wide. Where a stratum's audit has fewer than ``min_audited`` items of a
class, Se and Sp are pooled over all strata (marked ``pooled``), which assumes the classifier
errs alike across domains.

Audited samples must be a random sample within the stratum (the stratum is the verdict's
domain, as in the review design): targeted samples (uncertain, disagreements) are where the
classifiers are worst, and would overstate their error.

>>> round(rogan_gladen(0.10, se=0.9, sp=0.95), 4)
0.0588
>>> [round(x, 4) for x in wilson(5, 100)]
[0.05, 0.0215, 0.1118]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from monitor.contract import Verdict
from monitor.posture import OVER_REFUSAL_RATE, UNDER_REFUSAL_RATE


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float, float]:
    """The rate ``k / n`` and its Wilson score interval (NaNs when ``n`` is 0)."""
    if n <= 0:
        return float("nan"), float("nan"), float("nan")
    z = float(norm.ppf(0.5 + confidence / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return p, max(0.0, float(centre - half)), min(1.0, float(centre + half))


def rogan_gladen(observed: float, se: float, sp: float) -> float:
    """True prevalence from an observed one and the test's sensitivity and specificity."""
    youden = se + sp - 1
    if youden <= 0:
        return float("nan")  # a test no better than chance says nothing
    return float(min(1.0, max(0.0, (observed + sp - 1) / youden)))


@dataclass(frozen=True)
class Confusion:
    """Confusion counts of one indicator on audited samples: true/false positives/negatives."""

    tp: int = 0
    fn: int = 0
    tn: int = 0
    fp: int = 0

    @property
    def se(self) -> float:
        """Sensitivity (Jeffreys-smoothed so a class with no items gives 1/2, not 0/0)."""
        return (self.tp + 0.5) / (self.tp + self.fn + 1)

    @property
    def sp(self) -> float:
        return (self.tn + 0.5) / (self.tn + self.fp + 1)

    def __add__(self, other: Confusion) -> Confusion:
        return Confusion(
            self.tp + other.tp, self.fn + other.fn, self.tn + other.tn, self.fp + other.fp
        )


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
    audited: int
    event_accuracy: Confusion
    base_accuracy: Confusion
    pooled: bool


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


def corrected_rates(
    verdicts: Iterable[Verdict],
    truth: Mapping[str, Truth],
    *,
    metrics: tuple[str, ...] = (UNDER_REFUSAL_RATE, OVER_REFUSAL_RATE),
    group_of: Callable[[Verdict], str] | None = None,
    confidence: float = 0.95,
    min_audited: int = 5,
    draws: int = 4000,
    seed: int = 0,
) -> list[CorrectedRate]:
    """Raw and corrected rates per group (default: the verdict's domain) and metric.

    ``truth`` holds the audited samples only (see the module docstring). ``uncertain``
    verdicts are left out, as in the raw posture rates (:func:`monitor.posture.observations`).
    """
    group_of = group_of or (lambda v: v.domain)
    rng = np.random.default_rng(seed)
    # Per group: counts of observed indicators, and confusion of each indicator on audits.
    n: dict[str, int] = defaultdict(int)
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    acc: dict[tuple[str, str, str], Confusion] = defaultdict(Confusion)
    for verdict in verdicts:
        if verdict.outcome == "uncertain":
            continue
        group = group_of(verdict)
        n[group] += 1
        label = truth.get(verdict.sample_id)
        for metric in metrics:
            event, base = observed_indicators(metric, verdict)
            counts[group, metric][0] += event
            counts[group, metric][1] += base
            known = true_indicators(metric, label) if label is not None else None
            if known is None:
                continue
            for kind, said, true in (("event", event, known[0]), ("base", base, known[1])):
                acc[group, metric, kind] += _confusion(said, true)
    out = []
    for group in sorted(n):
        for metric in metrics:
            k, b = counts[group, metric]
            if b == 0:
                continue
            raw, raw_low, raw_high = wilson(k, b, confidence)
            ev, ba = acc[group, metric, "event"], acc[group, metric, "base"]
            audited = ev.tp + ev.fn + ev.tn + ev.fp
            pooled = _too_few(ev, min_audited) or _too_few(ba, min_audited)
            if pooled:
                ev = sum((a for (_, m, kd), a in acc.items() if m == metric and kd == "event"),
                         Confusion())
                ba = sum((a for (_, m, kd), a in acc.items() if m == metric and kd == "base"),
                         Confusion())
            if ev.tp + ev.fn + ev.tn + ev.fp == 0:
                nan = float("nan")
                out.append(CorrectedRate(metric, group, k, b, raw, raw_low, raw_high,
                                         nan, nan, nan, 0, ev, ba, pooled))
                continue
            point, low, high = _correct(k, b, n[group], ev, ba, confidence, draws, rng)
            out.append(CorrectedRate(metric, group, k, b, raw, raw_low, raw_high,
                                     point, low, high, audited, ev, ba, pooled))
    return out


def _confusion(said: bool, true: bool) -> Confusion:
    if true:
        return Confusion(tp=1) if said else Confusion(fn=1)
    return Confusion(fp=1) if said else Confusion(tn=1)


def _too_few(a: Confusion, minimum: int) -> bool:
    return a.tp + a.fn < minimum or a.tn + a.fp < minimum


def _correct(
    events: int,
    base: int,
    n: int,
    ev: Confusion,
    ba: Confusion,
    confidence: float,
    draws: int,
    rng: np.random.Generator,
) -> tuple[float, float, float]:
    # Point: plug-in with maximum-likelihood Se/Sp where a class was seen, else smoothed.
    def _mle(hit: int, miss: int, smoothed: float) -> float:
        return hit / (hit + miss) if hit + miss else smoothed

    pe = rogan_gladen(events / n, _mle(ev.tp, ev.fn, ev.se), _mle(ev.tn, ev.fp, ev.sp))
    pb = rogan_gladen(base / n, _mle(ba.tp, ba.fn, ba.se), _mle(ba.tn, ba.fp, ba.sp))
    point = pe / pb if pb and pb == pb and pe == pe else float("nan")

    def _beta(hit: int, miss: int) -> np.ndarray:
        return rng.beta(hit + 0.5, miss + 0.5, draws)

    def _rg(obs: np.ndarray, se: np.ndarray, sp: np.ndarray) -> np.ndarray:
        youden = se + sp - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.clip((obs + sp - 1) / youden, 0.0, 1.0)
        return np.where(youden > 0, value, np.nan)

    prev_e = _rg(_beta(events, n - events), _beta(ev.tp, ev.fn), _beta(ev.tn, ev.fp))
    prev_b = _rg(_beta(base, n - base), _beta(ba.tp, ba.fn), _beta(ba.tn, ba.fp))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.minimum(1.0, prev_e / prev_b)
    ratio = ratio[np.isfinite(ratio)]
    if len(ratio) < draws // 2:
        return min(1.0, point), float("nan"), float("nan")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(ratio, [tail, 100 - tail])
    return min(1.0, point), float(low), float(high)
