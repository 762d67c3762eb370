"""Rollout awareness: a new model version on a surface is a known change point.

When a model first appears on a surface that has already carried ``established_after``
samples, it is a *candidate* and the surface's busiest model at that moment its *incumbent*.
From then on, per policy domain and posture metric, the two models' observations feed a
sequential two-sample test (:class:`monitor.canary.CanaryComparison`), and its verdict
(``worse`` / ``not_worse``) is reported once, as a canary verdict instead of as noise.

>>> rollouts = Rollouts(established_after=2)
>>> rollouts.see("old", "chat"); rollouts.see("old", "chat"); rollouts.see("new", "chat")
>>> rollouts.incumbent_of("new", "chat")
'old'
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from monitor.canary import CanaryComparison
from monitor.posture import OVER_REFUSAL_RATE, UNDER_REFUSAL_RATE

#: The posture metrics a canary is judged on.
CANARY_METRICS = (UNDER_REFUSAL_RATE, OVER_REFUSAL_RATE)


@dataclass(frozen=True, slots=True)
class CanaryVerdict:
    domain: str
    surface: str
    candidate: str
    incumbent: str
    metric: str
    verdict: str  # "worse" | "not_worse"
    candidate_rate: float
    incumbent_rate: float
    statistic: float
    samples: int


class Rollouts:
    """Finds candidate model versions per surface and runs their canary comparisons."""

    def __init__(self, *, established_after: int = 1_000, **canary_options: float) -> None:
        self.established_after = established_after
        self._canary_options = canary_options
        self._surface_models: dict[str, Counter[str]] = {}
        self._incumbents: dict[tuple[str, str], str] = {}  # (candidate, surface) -> incumbent
        self._candidates: dict[tuple[str, str], list[str]] = {}  # (incumbent, surface) -> ...
        self._tests: dict[tuple[str, str, str, str], CanaryComparison] = {}
        self.verdicts: list[CanaryVerdict] = []

    def see(self, model: str, surface: str) -> None:
        """Count one sample of ``model`` on ``surface``; a late newcomer becomes a candidate."""
        models = self._surface_models.get(surface)
        if models is None:
            models = self._surface_models[surface] = Counter()
        if model not in models and models.total() >= self.established_after:
            incumbent = models.most_common(1)[0][0]
            self._incumbents[(model, surface)] = incumbent
            self._candidates.setdefault((incumbent, surface), []).append(model)
        models[model] += 1

    def incumbent_of(self, model: str, surface: str) -> str | None:
        return self._incumbents.get((model, surface))

    def observe(
        self, domain: str, model: str, surface: str, metric: str, event: bool
    ) -> list[CanaryVerdict]:
        """Feed one posture observation; returns canary verdicts reached by it."""
        if metric not in CANARY_METRICS or not self._incumbents:
            return []
        out: list[CanaryVerdict] = []
        incumbent = self._incumbents.get((model, surface))
        if incumbent is not None:
            test = self._test(domain, surface, model, metric)
            if test.verdict == "pending" and test.update_candidate(event) != "pending":
                out.append(self._verdict(test, domain, surface, model, incumbent, metric))
        for candidate in self._candidates.get((model, surface), ()):
            test = self._test(domain, surface, candidate, metric)
            if test.verdict == "pending" and test.update_incumbent(event) != "pending":
                out.append(self._verdict(test, domain, surface, candidate, model, metric))
        self.verdicts.extend(out)
        return out

    def _test(self, domain: str, surface: str, candidate: str, metric: str) -> CanaryComparison:
        key = (domain, surface, candidate, metric)
        test = self._tests.get(key)
        if test is None:
            test = self._tests[key] = CanaryComparison(**self._canary_options)
        return test

    @staticmethod
    def _verdict(test, domain, surface, candidate, incumbent, metric) -> CanaryVerdict:
        return CanaryVerdict(
            domain=domain,
            surface=surface,
            candidate=candidate,
            incumbent=incumbent,
            metric=metric,
            verdict=test.verdict,
            candidate_rate=test.candidate_rate,
            incumbent_rate=test.incumbent_rate,
            statistic=test.statistic,
            samples=test.n_candidate,
        )
