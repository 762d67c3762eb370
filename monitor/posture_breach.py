"""Posture breach: a rate above the policy's intended maximum, with stated confidence."""

from __future__ import annotations

import math
from statistics import NormalDist

__all__ = ["PostureBreach"]


class PostureBreach:
    """Fires when a Bernoulli rate is, with confidence, above the policy's intended maximum.

    The rate is estimated over an exponentially decayed window (``window`` samples of
    memory, O(1) state). Its Wilson score interval uses the window's effective sample size
    (Kish: (sum of weights)^2 / sum of squared weights, about twice ``window`` once full).
    The rule fires when the lower bound at ``confidence`` exceeds ``intended_max``, and
    resolves (hysteresis) only once the upper bound has stayed at or below ``intended_max``
    for ``resolve_after`` consecutive samples, so a rate hovering at the limit does not
    flap.

    The bound is checked at every sample, so ``confidence`` is per look, not over the
    stream's life; the posture_shift rule carries the false-alarm budget.

    Parameters
    ----------
    intended_max
        The most the policy means to tolerate for this rate (for example 0.02).
    confidence
        One-sided confidence of the bounds.
    window
        Memory of the rate estimate in samples (decay 1 - 1/window per sample).
    resolve_after
        Consecutive samples with the upper bound inside before the breach resolves
        (default: window // 4).
    min_samples
        Samples before the rule may fire.

    Examples
    --------
    >>> import numpy as np
    >>> from monitor.posture_breach import PostureBreach

    >>> rng = np.random.default_rng(1)
    >>> stream = np.concatenate([rng.random(3000) < 0.01, rng.random(3000) < 0.06,
    ...                          rng.random(6000) < 0.005])
    >>> rule = PostureBreach(intended_max=0.02)
    >>> for i, x in enumerate(stream):
    ...     change = rule.update(x)
    ...     if change:
    ...         print(f"{change} at {i}: observed {rule.observed:.3f}")
    firing at 3539: observed 0.028
    resolved at 8345: observed 0.010

    References
    ----------
    E. B. Wilson (1927). Probable inference, the law of succession, and statistical
    inference. Journal of the American Statistical Association 22, 209-212.
    L. Kish (1965). Survey Sampling. Wiley (effective sample size of a weighted mean).

    """

    __slots__ = (
        "_decay",
        "_inside",
        "_w1",
        "_w2",
        "_wx",
        "_z",
        "active",
        "intended_max",
        "min_samples",
        "n",
        "resolve_after",
    )

    def __init__(
        self,
        intended_max: float,
        confidence: float = 0.99,
        window: int = 1000,
        resolve_after: int | None = None,
        min_samples: int = 50,
    ) -> None:
        if not 0.0 < intended_max < 1.0:
            raise ValueError("intended_max must be inside (0, 1)")
        self.intended_max = intended_max
        self._z = NormalDist().inv_cdf(confidence)
        self._decay = 1.0 - 1.0 / window
        self.resolve_after = window // 4 if resolve_after is None else resolve_after
        self.min_samples = min_samples
        self.n = 0
        self.active = False
        self._inside = 0  # consecutive samples with the upper bound inside (while active)
        self._w1 = self._w2 = self._wx = 0.0

    def update(self, x: bool | int) -> str | None:
        """Add one sample; "firing" or "resolved" on the sample where the state changes."""
        d = self._decay
        self.n += 1
        self._w1 = d * self._w1 + 1.0
        self._w2 = d * d * self._w2 + 1.0
        self._wx = d * self._wx + (1.0 if x else 0.0)
        if not self.active:
            # The lower bound can only exceed the limit when the estimate does (checked
            # first: it is the cheap test).
            if (
                self._wx > self.intended_max * self._w1
                and self.n >= self.min_samples
                and self.lower_bound > self.intended_max
            ):
                self.active = True
                self._inside = 0
                return "firing"
            return None
        if self.upper_bound <= self.intended_max:
            self._inside += 1
            if self._inside >= self.resolve_after:
                self.active = False
                return "resolved"
        else:
            self._inside = 0
        return None

    @property
    def observed(self) -> float:
        """Decayed-window estimate of the rate."""
        return self._wx / self._w1 if self._w1 else 0.0

    @property
    def effective_n(self) -> float:
        return self._w1 * self._w1 / self._w2 if self._w2 else 0.0

    def _wilson(self, sign: float) -> float:
        n = self.effective_n
        if n <= 0.0:
            return 0.0 if sign < 0 else 1.0
        p, z = self.observed, self._z
        z2n = z * z / n
        centre = p + z2n / 2.0
        half = z * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n))
        return min(1.0, max(0.0, (centre + sign * half) / (1.0 + z2n)))

    @property
    def lower_bound(self) -> float:
        """Wilson lower bound of the rate at ``confidence``."""
        return self._wilson(-1.0)

    @property
    def upper_bound(self) -> float:
        """Wilson upper bound of the rate at ``confidence``."""
        return self._wilson(1.0)
