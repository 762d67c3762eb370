"""Canary comparison: is a new model version's rate worse than the incumbent's?"""

from __future__ import annotations

import math

__all__ = ["CanaryComparison"]


class CanaryComparison:
    """Sequential two-sample test of a candidate model's rate against the incumbent's.

    Both models serve the same segment; each sample is 1 when the bad outcome happened (an
    under-refusal, say). The difference of rates ``candidate - incumbent`` is tested with
    the mixture sequential probability ratio test (mSPRT) of Johari et al.: a normal
    mixture (scale ``tau``) over the difference gives a likelihood ratio that may be
    checked after every sample without inflating the error rates, and inverting it gives
    always-valid confidence intervals. The verdict is

    * ``"worse"`` when the interval at level ``alpha`` lies above zero (candidate rate
      higher, false "worse" at most ``alpha``),
    * ``"not_worse"`` when the interval at level ``beta`` lies below the non-inferiority
      margin ``margin * incumbent rate`` (a candidate that is really worse by the margin is
      cleared with probability at most ``beta``),
    * ``"pending"`` until then. A verdict, once reached, stays.

    The test uses the normal approximation of the two binomial means, so no verdict is
    given before ``min_samples`` of each model and ``min_events`` bad outcomes in total.

    Parameters
    ----------
    alpha
        Error rate of a "worse" verdict for a candidate that is not worse.
    beta
        Error rate of a "not_worse" verdict for a candidate worse by the margin or more.
    margin
        Relative non-inferiority margin (0.25: within 25% of the incumbent's rate).
    tau
        Mixture scale as a multiple of the margin (the effect sizes the test is tuned to).
    min_rate
        Floor of the incumbent rate used for the margin and the variance.

    Examples
    --------
    >>> import numpy as np
    >>> from monitor.canary import CanaryComparison

    >>> rng = np.random.default_rng(0)
    >>> test = CanaryComparison()
    >>> for old, new in zip(rng.random(20_000) < 0.05, rng.random(20_000) < 0.10):
    ...     _ = test.update_incumbent(old)
    ...     if test.update_candidate(new) != "pending":
    ...         break
    >>> test.verdict, test.n_candidate
    ('worse', 495)

    References
    ----------
    R. Johari, P. Koomen, L. Pekelis, D. Walsh (2022). Always valid inference: continuous
    monitoring of A/B tests. Operations Research 70(3), 1806-1821.
    H. Robbins (1970). Statistical methods related to the law of the iterated logarithm.
    Annals of Mathematical Statistics 41, 1397-1409.

    """

    __slots__ = (
        "alpha",
        "beta",
        "margin",
        "min_events",
        "min_rate",
        "min_samples",
        "n_candidate",
        "n_incumbent",
        "ones_candidate",
        "ones_incumbent",
        "tau",
        "verdict",
    )

    def __init__(
        self,
        alpha: float = 0.01,
        beta: float = 0.05,
        margin: float = 0.5,
        tau: float = 1.0,
        min_samples: int = 200,
        min_events: int = 10,
        min_rate: float = 1e-3,
    ) -> None:
        self.alpha, self.beta, self.margin, self.tau = alpha, beta, margin, tau
        self.min_samples, self.min_events, self.min_rate = min_samples, min_events, min_rate
        self.n_incumbent = self.n_candidate = 0
        self.ones_incumbent = self.ones_candidate = 0
        self.verdict = "pending"

    def update_incumbent(self, x: bool | int) -> str:
        self.n_incumbent += 1
        if x:
            self.ones_incumbent += 1
        return self._decide()

    def update_candidate(self, x: bool | int) -> str:
        self.n_candidate += 1
        if x:
            self.ones_candidate += 1
        return self._decide()

    @property
    def incumbent_rate(self) -> float:
        return self.ones_incumbent / self.n_incumbent if self.n_incumbent else 0.0

    @property
    def candidate_rate(self) -> float:
        return self.ones_candidate / self.n_candidate if self.n_candidate else 0.0

    @property
    def difference(self) -> float:
        """Estimated rate difference, candidate minus incumbent."""
        return self.candidate_rate - self.incumbent_rate

    def _variance(self) -> float:
        # Variance of the difference of the two means; rates floored so that a stretch
        # with no events does not claim certainty.
        pi = max(self.incumbent_rate, self.min_rate)
        pc = max(self.candidate_rate, self.min_rate)
        return pi * (1 - pi) / self.n_incumbent + pc * (1 - pc) / self.n_candidate

    def _tau2(self) -> float:
        # Effects of the order of the margin at the pooled rate (not the incumbent's alone,
        # which may be near zero early on and would tune the test to vanishing effects).
        pooled = (self.ones_incumbent + self.ones_candidate) / (self.n_incumbent + self.n_candidate)
        scale = self.tau * self.margin * max(pooled, self.min_rate)
        return scale * scale

    def half_width(self, level: float) -> float:
        """Half-width of the always-valid confidence interval of the difference."""
        if not (self.n_incumbent and self.n_candidate):
            return math.inf
        v, t2 = self._variance(), self._tau2()
        return math.sqrt(2 * v * (v + t2) / t2 * math.log(math.sqrt((v + t2) / v) / level))

    @property
    def statistic(self) -> float:
        """log of the mixture likelihood ratio against "no difference" (verdict "worse"
        needs it above log(1/alpha) with a positive difference)."""
        if not (self.n_incumbent and self.n_candidate):
            return 0.0
        v, t2, d = self._variance(), self._tau2(), self.difference
        return 0.5 * math.log(v / (v + t2)) + t2 * d * d / (2 * v * (v + t2))

    def _decide(self) -> str:
        if self.verdict != "pending":
            return self.verdict
        if (
            min(self.n_incumbent, self.n_candidate) < self.min_samples
            or self.ones_incumbent + self.ones_candidate < self.min_events
        ):
            return self.verdict
        d = self.difference
        if d - self.half_width(self.alpha) > 0.0:
            self.verdict = "worse"
        elif d + self.half_width(self.beta) < self.margin * max(self.incumbent_rate, self.min_rate):
            self.verdict = "not_worse"
        return self.verdict
