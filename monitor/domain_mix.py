"""Domain mix: a change in the shares of request domains (a multinomial stream)."""

from __future__ import annotations

from collections.abc import Iterable

from monitor.posture_shift import PostureShift

__all__ = ["DomainMix"]

_NEVER = 1 << 62


class DomainMix:
    """Detects a change in the mix of request domains against a learned baseline mix.

    One two-sided :class:`~monitor.posture_shift.PostureShift` watches each category's
    indicator (1 when a request falls in it). This is the multinomial CUSUM for the
    alternatives that matter here: when one category's share moves by a factor and the
    others rescale in proportion, the multinomial log-likelihood ratio of a sample depends
    only on whether it is in that category, so it equals the Bernoulli one of the indicator.
    Bonferroni over ``n_categories`` (each detector at ``arl * n_categories``) keeps the
    whole mix within the one false-alarm budget, and it names the category that moved,
    which a single chi-square-type statistic would not. After an alarm every category
    relearns its baseline share (the others' shares moved too).

    Only the detector of the arriving category does work on a sample; the others receive
    their zeros lazily, when their category next appears or when one of their fall charts
    is due (then the fall is flagged on the sample where it happens).

    Parameters
    ----------
    categories
        Categories known up front (e.g. the policy's domains). Others are added when first
        seen, with a baseline seeded from the samples seen so far.
    arl
        Target in-control average run length (samples) of the whole mix.
    n_categories
        Number of categories the false-alarm budget is split over (default: the number of
        ``categories``, at least 16, the size of the default policy's domain list).
    warmup
        Samples used to learn the baseline shares.
    two_sided
        Also detect a category's share falling.

    Examples
    --------
    >>> import numpy as np
    >>> from monitor.domain_mix import DomainMix

    >>> rng = np.random.default_rng(3)
    >>> domains = ["none", "cyber", "illicit", "self_harm"]
    >>> before = rng.choice(domains, size=20_000, p=[0.9, 0.04, 0.04, 0.02])
    >>> after = rng.choice(domains, size=20_000, p=[0.85, 0.09, 0.04, 0.02])
    >>> mix = DomainMix(categories=domains)
    >>> for i, domain in enumerate(np.concatenate([before, after])):
    ...     if mix.update(domain):
    ...         print(f"{mix.changed_category} {mix.direction} at {i}: "
    ...               f"{mix.baseline['cyber']:.3f} -> {mix.observed['cyber']:.3f}")
    ...         break
    cyber up at 20484: 0.040 -> 0.094

    References
    ----------
    A. G. Tartakovsky, I. V. Nikiforov, M. Basseville (2014). Sequential Analysis:
    Hypothesis Testing and Changepoint Detection, ch. 8 (CUSUM for composite and
    multinomial alternatives).

    """

    __slots__ = (
        "_arl_each",
        "_det",
        "_due_at",
        "_last",
        "_shift_args",
        "changed_category",
        "direction",
        "n",
    )

    def __init__(
        self,
        categories: Iterable[str] = (),
        arl: float = 1e5,
        n_categories: int | None = None,
        warmup: int = 1000,
        two_sided: bool = True,
    ) -> None:
        categories = list(dict.fromkeys(categories))
        k = n_categories if n_categories is not None else max(16, len(categories))
        self._arl_each = arl * k
        self._shift_args = {"arl": self._arl_each, "two_sided": two_sided, "warmup": warmup}
        self.n = 0
        self.changed_category: str | None = None
        self.direction: str | None = None
        self._det: dict[str, PostureShift] = {}
        self._last: dict[str, int] = {}  # detector c has seen samples 0 .. _last[c] - 1
        self._due_at = _NEVER  # earliest sample at which some detector must catch up
        for c in categories:
            self._add(c)

    def _add(self, category: str) -> PostureShift:
        det = PostureShift(**self._shift_args)
        if self.n:
            # A category first seen now was absent from every earlier sample.
            det.relearn(ones=0.0, samples=float(self.n))
            det.n = self.n
        self._det[category] = det
        self._last[category] = self.n
        return det

    def _catch_up(self, c: str, upto: int) -> bool:
        """Feed detector c the zeros of samples _last[c] .. upto-1; True on a fall alarm."""
        det = self._det[c]
        gap = upto - self._last[c]
        self._last[c] = upto
        return gap > 0 and det._zeros(gap) is not None

    def _due(self, c: str) -> int:
        det = self._det[c]
        return self._last[c] + det._due - det._z

    def update(self, category: str) -> bool:
        """Add one request's category; True on the sample where the mix is found changed."""
        n = self.n
        self.n = n + 1
        det = self._det.get(category)
        if det is None:
            det = self._add(category)
            self._last[category] = n
        fired = None
        if n + 1 >= self._due_at:
            # Some detector's fall chart (or warm-up end) is due: bring everyone up to
            # date with the zeros of samples before this one.
            for c in self._det:
                if c != category and self._catch_up(c, n + 1) and fired is None:
                    fired = (c, "down")
        if self._catch_up(category, n) and fired is None:
            fired = (category, "down")
        det.n += 1
        if det._on_one() and fired is None:
            fired = (category, det.direction)
        self._last[category] = n + 1
        if fired is not None:
            self.changed_category, self.direction = fired
            self._relearn_all(fired[0])
            return True
        self._due_at = min(self._due(c) for c in self._det)
        return False

    def _relearn_all(self, fired: str) -> None:
        # Freeze what the alarm saw for the alert before the baselines restart.
        self._sync()
        for c, det in self._det.items():
            if c != fired:
                det.relearn()
        self._due_at = min(self._due(c) for c in self._det)

    def _sync(self) -> None:
        for c in self._det:
            self._catch_up(c, self.n)

    @property
    def baseline(self) -> dict[str, float]:
        """Baseline share of each category."""
        self._sync()
        return {c: d.baseline for c, d in self._det.items()}

    @property
    def observed(self) -> dict[str, float]:
        """Recent share of each category (since its chart left zero; baseline if quiet)."""
        self._sync()
        return {c: d.observed for c, d in self._det.items()}

    @property
    def statistic(self) -> float:
        """Statistic (nats) of the category closest to alarm, relative to its threshold."""
        return self._lead()[0]

    @property
    def threshold(self) -> float:
        return self._lead()[1]

    def _lead(self) -> tuple[float, float]:
        self._sync()
        best, out = -1.0, (0.0, float("inf"))
        for d in self._det.values():
            s, h = d.statistic, d.threshold
            if h < float("inf") and s / h > best:
                best, out = s / h, (s, h)
        return out
