"""Posture shift: a change in a Bernoulli rate away from the stream's own learned baseline."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from monitor._arl import P0_GRID, chart_threshold, odds_shift

__all__ = ["PostureShift"]

# Odds ratios the parallel CUSUM charts are tuned to. A geometric grid (factor 1.5) keeps
# every rise between ~1.3x and ~6x within reach of a chart tuned close to it, which costs
# little against the CUSUM that knows the true ratio (see bench/bench_drift.py).
UP_RATIOS: tuple[float, ...] = (1.4, 2.1, 3.2, 4.8)
DOWN_RATIOS: tuple[float, ...] = (0.65, 0.4)

# Each chart is calibrated (exactly, by Brook–Evans) to an in-control ARL of
# ``arl * ARL_MULTIPLIER[n_charts]``; the charts watch the same stream, so their alarms are
# strongly correlated and the combined ARL sits between arl * multiplier / n_charts and
# arl * multiplier. The multipliers come from simulating the combined detector
# (python -m bench.bench_drift --calibrate) with a margin, so the measured ARL is >= arl.
ARL_MULTIPLIER: dict[int, float] = {4: 3.2, 6: 5.0}

CAUTION = 1.0  # standard errors; with min_events=20 this keeps young streams in budget
_BUCKETS_PER_NAT = 50  # the rate the charts are tuned to moves in 2% steps
_MAX_RATE = 0.9
_NEVER = 1 << 62


class _Design:
    """Increments and thresholds of all charts (shared, immutable). Rise charts are tuned
    to ``rate`` and fall charts to ``rate_down``: a little above and below the estimate
    while it is young, the cautious side for each."""

    __slots__ = ("a", "b", "h", "n_up", "rate", "rate_down")

    def __init__(self, rate: float, rate_down: float, cfg: _Config) -> None:
        pairs = [(rate, r) for r in cfg.up] + [(rate_down, r) for r in cfg.down]
        self.rate, self.rate_down = rate, rate_down
        self.n_up = len(cfg.up)
        # Log-likelihood ratio of one sample: a on a 1, b on a 0 (b < 0 for a rise chart).
        p1 = [(p, odds_shift(p, r)) for p, r in pairs]
        self.a = tuple(math.log(q / p) for p, q in p1)
        self.b = tuple(math.log1p(-q) - math.log1p(-p) for p, q in p1)
        self.h = tuple(cfg.threshold(p, r) for p, r in pairs)


class _Config:
    """Settings shared by every detector built with the same arguments."""

    def __init__(
        self,
        arl: float,
        two_sided: bool,
        warmup: int,
        min_events: int,
        max_warmup: int,
        prior: tuple[float, float],
        caution: float,
        min_rate: float,
        baseline_window: float,
        relearn: bool,
    ) -> None:
        self.arl = arl
        self.up = UP_RATIOS
        self.down = DOWN_RATIOS if two_sided else ()
        self.warmup = warmup
        self.min_events = min_events
        self.max_warmup = max_warmup
        self.prior = prior
        self.caution = caution
        self.min_rate = min_rate
        self.window = baseline_window
        self.relearn = relearn
        self.arl_each = arl * ARL_MULTIPLIER[len(self.up) + len(self.down)]
        self._designs: dict[int | float, _Design] = {}

    def threshold(self, rate: float, ratio: float) -> float:
        """Chart threshold, linear in log(rate) between the tabulated baseline rates."""
        grid = P0_GRID
        if rate <= grid[0]:
            return chart_threshold(grid[0], ratio, self.arl_each)
        if rate >= grid[-1]:
            return chart_threshold(grid[-1], ratio, self.arl_each)
        j = next(i for i, g in enumerate(grid) if g >= rate)
        lo, hi = grid[j - 1], grid[j]
        w = math.log(rate / lo) / math.log(hi / lo)
        h_lo = chart_threshold(lo, ratio, self.arl_each)
        h_hi = chart_threshold(hi, ratio, self.arl_each)
        return (1 - w) * h_lo + w * h_hi

    def design(self, rate: float, rate_down: float, exact: bool = False) -> _Design:
        if rate >= _MAX_RATE:
            # A rate already near 1 has no room to rise by the charts' odds ratios; tuned to
            # the clamped rate they would read the true rate as a rise. Rises go unwatched.
            return self._saturated(self.design(_MAX_RATE * 0.999, rate_down, exact))
        rate = min(max(rate, self.min_rate), _MAX_RATE)
        rate_down = min(max(rate_down, self.min_rate), _MAX_RATE) if self.down else rate
        if exact:
            key: tuple = (rate, rate_down)
        else:
            # Bucketed (rounded to the cautious side) so that detectors share designs.
            key = (
                math.ceil(math.log(rate) * _BUCKETS_PER_NAT),
                math.floor(math.log(rate_down) * _BUCKETS_PER_NAT),
            )
        d = self._designs.get(key)
        if d is None:
            if exact:
                d = _Design(rate, rate_down, self)
            else:
                d = _Design(*(math.exp(k / _BUCKETS_PER_NAT) for k in key), self)
            if len(self._designs) > 4096:  # exact (given) baselines are unbounded in number
                self._designs.clear()
            self._designs[key] = d
        return d

    @staticmethod
    def _saturated(d: _Design) -> _Design:
        blind = object.__new__(_Design)
        blind.a, blind.b, blind.n_up = d.a, d.b, d.n_up
        blind.rate, blind.rate_down = d.rate, d.rate_down
        blind.h = tuple(math.inf for _ in range(d.n_up)) + d.h[d.n_up :]
        return blind


@lru_cache(maxsize=64)
def _config(*args: object) -> _Config:
    return _Config(*args)  # type: ignore[arg-type]


class PostureShift:
    """Sequential change detector for a Bernoulli rate, without knowing the shift size.

    Watches a 0/1 stream (say 1 = a disallowed request got an under-refusal) and alarms
    when its rate moves away from the baseline learned from the stream itself. Several
    Bernoulli CUSUM charts run side by side, each tuned to a different rise of the odds
    (1.4x, 2.1x, 3.2x, 4.8x; with ``two_sided`` also falls to 0.65x and 0.4x), and the
    detector alarms when any chart crosses its threshold. Thresholds are not guessed: each
    chart's in-control average run length is computed exactly with the Brook–Evans Markov
    chain, and together the charts meet the target ``arl`` (samples between false alarms).

    The baseline is learned in a warm-up (``warmup`` samples and ``min_events`` events, at
    most ``max_warmup`` samples) under a Beta prior, then kept up to date from the stretches
    that end with every chart back at zero: a change the charts are tracking stays out of
    its own baseline. Until the estimate is precise the rise charts are tuned to a slightly
    higher rate and the fall charts to a lower one (``caution`` standard errors), which
    keeps young streams within the false-alarm budget; the price is slower detection of
    small shifts (1.5x) in a stream's first few dozen events. After an alarm the baseline
    is learned afresh, seeded with the window that best explains the alarm
    (``relearn_after_alarm``). Rates below ``min_rate`` are watched as ``min_rate``.

    Work per sample is a counter increment; the charts only move on a 1 (or when a fall
    chart is due): about 10 million samples a second through ``update_many`` at a 2% rate,
    a few million through ``update``.

    Parameters
    ----------
    arl
        Target in-control average run length in samples (false alarms at most once per
        ``arl`` samples on average).
    two_sided
        Also detect falls of the rate.
    warmup
        Samples used to learn the baseline before the detector may alarm.
    min_events
        Events (1s) the warm-up also needs, so that a rare rate is not guessed from a
        handful of them...
    max_warmup
        ...unless the warm-up has lasted this many samples (a rate near zero).
    baseline
        A known baseline rate: skips the warm-up and keeps the baseline fixed.
    prior
        Beta prior (successes, failures) of the baseline rate.
    caution
        Standard errors of the baseline estimate added to it when tuning the charts.
    min_rate
        Floor of the rate the charts are tuned to.
    baseline_window
        Effective number of samples the baseline remembers (older ones are forgotten).
    relearn_after_alarm
        Learn a new baseline after each alarm; otherwise just restart the charts.

    Examples
    --------
    >>> import numpy as np
    >>> from monitor.posture_shift import PostureShift

    >>> rng = np.random.default_rng(7)
    >>> stream = np.concatenate([rng.random(20_000) < 0.02, rng.random(5_000) < 0.06])
    >>> detector = PostureShift(arl=1e5)
    >>> for i, x in enumerate(stream):
    ...     if detector.update(x):
    ...         print(f"{detector.direction} at {i}: {detector.baseline:.3f} -> "
    ...               f"{detector.observed:.3f}")
    ...         break
    up at 20238: 0.019 -> 0.069

    References
    ----------
    E. S. Page (1954). Continuous inspection schemes. Biometrika 41, 100-115.
    A. G. Tartakovsky, I. V. Nikiforov, M. Basseville (2014). Sequential Analysis:
    Hypothesis Testing and Changepoint Detection, sec. 8.3 (multichart CUSUM).
    D. Brook and D. A. Evans (1972). An approach to the probability distribution of CUSUM
    run length. Biometrika 59, 539-549.

    """

    __slots__ = (
        "_bn",
        "_bo",
        "_cfg",
        "_design",
        "_due",
        "_exn",
        "_exo",
        "_fired",
        "_fixed",
        "_pn",
        "_po",
        "_s",
        "_warm",
        "_z",
        "alarms",
        "direction",
        "n",
    )

    def __init__(
        self,
        arl: float = 1e5,
        two_sided: bool = False,
        warmup: int = 1000,
        min_events: int = 20,
        max_warmup: int = 20_000,
        baseline: float | None = None,
        prior: tuple[float, float] = (0.5, 0.5),
        caution: float = CAUTION,
        min_rate: float = 1e-3,
        baseline_window: float = 200_000,
        relearn_after_alarm: bool = True,
    ) -> None:
        self._cfg = _config(
            float(arl),
            bool(two_sided),
            int(warmup),
            int(min_events),
            max(int(max_warmup), int(warmup)),
            tuple(prior),
            float(caution),
            float(min_rate),
            float(baseline_window),
            bool(relearn_after_alarm),
        )
        self.n = 0
        self.alarms = 0
        self.direction: str | None = None
        self._fired: tuple | None = None
        self._fixed = baseline is not None
        k = len(self._cfg.up) + len(self._cfg.down)
        self._s = [0.0] * k
        self._exn = [0] * k
        self._exo = [0] * k
        self._z = 0
        self._pn = self._po = 0
        self._bn = self._bo = 0.0  # baseline evidence: samples, events
        if baseline is None:
            self._design = None
            self._start_warmup()
        else:
            self._design = self._cfg.design(float(baseline), float(baseline), exact=True)
            self._warm = 0
            self._restart_charts()

    # -- public API ---------------------------------------------------------------------------

    def update(self, x: bool | int) -> bool:
        """Add one sample; True exactly on the sample where the detector alarms."""
        self.n += 1
        if not x:
            self._z += 1
            if self._z < self._due:
                return False
            return self._on_due()
        return self._on_one()

    def update_many(self, xs: np.ndarray) -> int | None:
        """Add a batch of samples; the index of the first alarm (the batch is consumed up to
        and including it, the rest is not), or None when the whole batch passed quietly."""
        xs = np.asarray(xs)
        pos = 0
        for i in np.flatnonzero(xs).tolist():
            hit = self._zeros(i - pos)
            if hit is not None:
                return pos + hit
            self.n += 1
            pos = i + 1
            if self._on_one():
                return i
        hit = self._zeros(len(xs) - pos)
        return None if hit is None else pos + hit

    def relearn(self, ones: float = 0.0, samples: float = 0.0) -> None:
        """Forget the baseline and learn it again (optionally seeded with counts)."""
        self._bn, self._bo = float(samples), float(ones)
        self._fixed = False
        self._start_warmup()

    @property
    def in_warmup(self) -> bool:
        return self._warm > 0

    @property
    def baseline(self) -> float:
        """Estimated baseline rate (posterior mean; the given rate if fixed)."""
        if self._fired is not None and self._fired[0] == self.n:
            return self._fired[4]  # the baseline the alarm was judged against
        if self._fixed:
            return self._design.rate
        a, b = self._cfg.prior
        return (self._bo + a) / (self._bn + a + b)

    @property
    def design_rate(self) -> float | None:
        """The baseline rate the charts are tuned to (a little above ``baseline`` while the
        estimate is young); None during the warm-up."""
        return None if self._design is None else self._design.rate

    @property
    def thresholds(self) -> tuple[float, ...]:
        return () if self._design is None else self._design.h

    @property
    def statistic(self) -> float:
        """Log-likelihood ratio (nats) of the chart closest to its threshold."""
        return self._lead()[0]

    @property
    def threshold(self) -> float:
        """Threshold (nats) of that chart: the detector alarms when statistic >= threshold."""
        return self._lead()[1]

    @property
    def observed(self) -> float:
        """Recent rate: since the leading chart last left zero, or the baseline when no
        chart is active. On the alarm sample: the rate over the window that best explains
        the alarm (largest likelihood ratio among the charts' current excursions)."""
        return self._lead()[2]

    # -- internals -------------------------------------------------------------------------

    def _lead(self) -> tuple[float, float, float]:
        if self._fired is not None and self._fired[0] == self.n:
            return self._fired[1:4]
        d = self._design
        if d is None or self._warm:
            return 0.0, math.inf, self.baseline
        z = self._z
        best, out = -1.0, (0.0, d.h[0], self.baseline)
        for k, (s, b, h) in enumerate(zip(self._s, d.b, d.h, strict=True)):
            if k >= d.n_up and s == 0.0:
                exn, s = z, z * b
            else:
                exn, s = self._exn[k] + z, max(0.0, s + z * b)
            if s > 0.0 and s / h > best:
                best, out = s / h, (s, h, self._exo[k] / exn if exn else 0.0)
        return out

    def _warm_left(self) -> int:
        """Samples until the warm-up may end (0: it ends now). It needs ``warmup`` samples
        and ``min_events`` events, or ``max_warmup`` samples if events stay that rare."""
        cfg, bn = self._cfg, self._bn
        if bn >= cfg.max_warmup or (bn >= cfg.warmup and self._bo >= cfg.min_events):
            return 0
        return math.ceil((cfg.warmup if bn < cfg.warmup else cfg.max_warmup) - bn)

    def _warm_step(self) -> None:
        self._z = 0
        self._warm = self._warm_left()
        if self._warm <= 0:
            self._end_warmup()
        else:
            self._due = self._warm

    def _start_warmup(self) -> None:
        # Seeded samples (relearn) count towards the warm-up.
        self._pn = self._po = 0
        self._warm_step()

    def _end_warmup(self) -> None:
        self._warm = 0
        self._refresh_design()
        self._restart_charts()

    def _refresh_design(self) -> None:
        cfg = self._cfg
        if self._bn > cfg.window:  # forget old evidence: keep an effective window
            f = cfg.window / self._bn
            self._bn *= f
            self._bo *= f
        a, b = cfg.prior
        n = self._bn + a + b
        p = (self._bo + a) / n
        se = cfg.caution * math.sqrt(p * (1.0 - p) / n)
        self._design = cfg.design(p + se, p - se)

    def _restart_charts(self) -> None:
        k = len(self._s)
        self._s = [0.0] * k
        self._exn = [0] * k
        self._exo = [0] * k
        self._z = 0
        self._pn = self._po = 0
        self._set_due()

    def _set_due(self) -> None:
        d = self._design
        due = _NEVER
        for k in range(d.n_up, len(self._s)):
            # A fall chart only rises on zeros: it reaches its threshold after this many.
            m = math.ceil((d.h[k] - self._s[k]) / d.b[k])
            if m < due:
                due = m
        self._due = max(due, 1)

    def _zeros(self, count: int) -> int | None:
        """Add ``count`` zeros (batch path); the offset of an alarm among them, if any."""
        done = 0
        while self._z + count - done >= self._due:
            step = self._due - self._z
            self._z = self._due
            self.n += step
            done += step
            if self._on_due():
                return done - 1
        self._z += count - done
        self.n += count - done
        return None

    def _apply_zeros(self) -> bool:
        """Bring the charts up to date with the pending zeros; True if all are quiet."""
        z = self._z
        self._z = 0
        self._pn += z
        d = self._design
        s, exn, exo, b, h = self._s, self._exn, self._exo, d.b, d.h
        quiet = True
        for k in range(d.n_up):
            v = s[k] + z * b[k]
            if v <= 0.0:
                s[k] = 0.0
                exn[k] = exo[k] = 0
            else:
                s[k] = v
                exn[k] += z
                quiet = False
        for k in range(d.n_up, len(s)):
            if s[k] == 0.0:
                exn[k], exo[k] = z, 0
            else:
                exn[k] += z
            s[k] += z * b[k]
            if s[k] > 0.5 * h[k]:
                quiet = False
        return quiet

    def _on_due(self) -> bool:
        if self._warm:  # a warm-up check point falls on this zero
            self._bn += self._z
            self._warm_step()
            return False
        self._apply_zeros()
        d = self._design
        k = max(range(d.n_up, len(self._s)), key=lambda j: self._s[j] / d.h[j])
        return self._fire(k, "down")

    def _on_one(self) -> bool:
        if self._warm:
            self._bn += self._z + 1
            self._bo += 1
            self._warm_step()
            return False
        if self._apply_zeros() and not self._fixed:
            # Every chart is back at zero: the stretch since the last such moment was in
            # control, so it joins the baseline (a change in progress does not, until the
            # charts give up on it).
            self._bn += self._pn
            self._bo += self._po
            self._pn = self._po = 0
            self._refresh_design()
        d = self._design
        s, exn, exo, a, h = self._s, self._exn, self._exo, d.a, d.h
        self._pn += 1
        self._po += 1
        fired, best = -1, 1.0
        for k in range(d.n_up):
            v = s[k] + a[k]
            s[k] = v
            exn[k] += 1
            exo[k] += 1
            if v >= h[k] * best:
                fired, best = k, v / h[k]
        for k in range(d.n_up, len(s)):
            v = s[k] + a[k]
            if v <= 0.0:
                s[k] = 0.0
                exn[k] = exo[k] = 0
            else:
                s[k] = v
                exn[k] += 1
                exo[k] += 1
        if fired >= 0:
            return self._fire(fired, "up")
        if d.n_up < len(s):
            self._set_due()
        return False

    def _fire(self, k: int, direction: str) -> bool:
        d = self._design
        self._fired = None
        p0 = self.baseline
        # Each chart's excursion (since it last left zero) is a candidate window for the new
        # regime; the one with the largest generalised likelihood ratio against the baseline
        # is the best estimate of where the change began and of the new rate.
        best, ones, n_ex = -1.0, self._exo[k], self._exn[k]
        rng = range(d.n_up) if direction == "up" else range(d.n_up, len(self._s))
        for j in rng:
            n, o = self._exn[j], self._exo[j]
            if n and self._s[j] > 0.0:
                glr = _bernoulli_glr(o, n, p0)
                if glr > best:
                    best, ones, n_ex = glr, o, n
        obs = ones / n_ex if n_ex else 0.0
        self._fired = (self.n, self._s[k], d.h[k], obs, p0)
        self.direction = direction
        self.alarms += 1
        if self._cfg.relearn and not self._fixed:
            # That window is the best evidence of the new regime: it seeds the new baseline.
            self.relearn(ones=ones, samples=n_ex)
        else:
            self._restart_charts()
        return True


def _bernoulli_glr(ones: int, n: int, p0: float) -> float:
    """Log-likelihood ratio of rate ones/n against p0 over n samples."""
    p = ones / n
    out = 0.0
    if ones:
        out += ones * math.log(p / p0)
    if ones < n:
        out += (n - ones) * math.log((1.0 - p) / (1.0 - p0))
    return out
