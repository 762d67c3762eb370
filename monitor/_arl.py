"""Run lengths of Bernoulli CUSUM charts, computed exactly with the Brook–Evans Markov chain.

A Bernoulli CUSUM tuned for a rise of the rate from ``p0`` to ``p1`` adds
``a = log(p1/p0)`` on a 1 and ``b = log((1-p1)/(1-p0))`` (negative) on a 0, floors at
zero and alarms at ``h``. Scaling the statistic by ``c/|b|`` makes every 0 step exactly
``-c`` units and rounds the 1 step to an integer, so the chart becomes a finite Markov
chain on ``0 .. H-1`` (Reynolds & Stoumbos, 1999). Its average run length solves
``(I - P) L = 1`` (Brook & Evans, 1972); with two non-zeros a row the sparse solve takes
milliseconds even for tens of thousands of states.

Also here: the threshold that gives a target in-control ARL, the steady-state detection
delay (the chart is in its quasi-stationary in-control state when the change happens) and
the calibration table that :class:`monitor.posture_shift.PostureShift` interpolates.

References
----------
D. Brook and D. A. Evans (1972). An approach to the probability distribution of CUSUM run
length. Biometrika 59(3), 539-549.
D. Siegmund (1985). Sequential Analysis: Tests and Confidence Intervals. Springer.
M. R. Reynolds and Z. G. Stoumbos (1999). A CUSUM chart for monitoring a proportion when
inspecting continuously. Journal of Quality Technology 31(1), 87-108.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.sparse import csc_matrix, identity
from scipy.sparse.linalg import splu

# Resolution of the discretised chart: a 0 moves the statistic by exactly _STEP units. At 8
# the rounding of the 1 step is < 0.1% for p0 <= 0.1, well inside the 2% the tests ask.
_STEP = 8


def llr_steps(p0: float, p1: float) -> tuple[float, float]:
    """Log-likelihood-ratio increments (on a 1, on a 0) of a CUSUM for p0 -> p1."""
    return math.log(p1 / p0), math.log1p(-p1) - math.log1p(-p0)


class BernoulliCusumChain:
    """The integer Markov chain of one Bernoulli CUSUM.

    ``up`` is the integer jump on a 1 and ``down`` the integer fall on a 0; for a
    rise detector ``up > 0 > -down``, for a fall detector (``p1 < p0``) the roles swap
    (``up`` < 0, ``down`` < 0: the statistic rises on zeros). ``H`` is the alarm level in
    units; the chart alarms when the statistic reaches ``H`` or more.
    """

    def __init__(self, p0: float, p1: float, step: int = _STEP) -> None:
        a, b = llr_steps(p0, p1)
        # Units per nat: the smaller step becomes exactly m units (at least ``step``, up to
        # 64 while the chain stays under ~5,000 states a nat) and the larger one is rounded;
        # m grows further if the larger step would otherwise be under 256 units.
        small, big = sorted((abs(a), abs(b)))
        m = max(step, min(64, math.floor(5000 * small)), math.ceil(256 * small / big))
        self.scale = m / small
        self.up = round(a * self.scale)
        self.down = round(b * self.scale)
        self.p0, self.p1 = p0, p1

    def units(self, h: float) -> int:
        return max(1, math.ceil(h * self.scale - 1e-9))

    def _matrix(self, p: float, H: int) -> csc_matrix:
        """Sub-stochastic transition matrix on the non-alarm states 0..H-1."""
        i = np.arange(H)
        rows, cols, vals = [], [], []
        for jump, prob in ((self.up, p), (self.down, 1.0 - p)):
            j = np.maximum(i + jump, 0)
            keep = j < H
            rows.append(i[keep])
            cols.append(j[keep])
            vals.append(np.full(keep.sum(), prob))
        r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
        return csc_matrix((v, (r, c)), shape=(H, H))

    def arl_vector(self, p: float, H: int) -> np.ndarray:
        """Expected samples to alarm from every state, when the rate is ``p``."""
        m = (identity(H, format="csc") - self._matrix(p, H)).tocsc()
        return splu(m).solve(np.ones(H))

    def arl(self, p: float, H: int) -> float:
        """Zero-state average run length when the rate is ``p``."""
        return float(self.arl_vector(p, H)[0])

    def quasi_stationary(self, H: int, iters: int = 50, tol: float = 1e-13) -> np.ndarray:
        """Distribution of the in-control statistic given no alarm yet (Perron vector)."""
        # Inverse iteration: the Perron root of P is 1 - O(1/ARL), far from the rest of
        # the spectrum, so a few solves with (I - P^T) converge.
        lu = splu((identity(H, format="csc") - self._matrix(self.p0, H).T).tocsc())
        v = np.full(H, 1.0 / H)
        for _ in range(iters):
            w = lu.solve(v)
            w /= w.sum()
            if np.abs(w - v).max() < tol:
                return w
            v = w
        return v

    def steady_state_delay(self, H: int, p: float | None = None) -> float:
        """Expected samples after a change to rate ``p`` (default p1) until alarm, for a
        chart that has run long in control (cyclical steady state, no false alarm)."""
        p = self.p1 if p is None else p
        return float(self.quasi_stationary(H) @ self.arl_vector(p, H))

    def threshold_units(self, arl: float) -> int:
        """Smallest alarm level H (units) whose in-control zero-state ARL is >= ``arl``."""
        lo, hi = 1, max(2, abs(self.up))
        while self.arl(self.p0, hi) < arl:
            lo, hi = hi, hi * 2
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self.arl(self.p0, mid) >= arl:
                hi = mid
            else:
                lo = mid
        return hi


@lru_cache(maxsize=256)
def oracle(p0: float, p1: float, arl: float = 1e5) -> dict[str, float]:
    """The known-(p0, p1) CUSUM at in-control ARL ``arl``: threshold and delays, exact."""
    chain = BernoulliCusumChain(p0, p1)
    H = chain.threshold_units(arl)
    return {
        "threshold": H / chain.scale,
        "arl0": chain.arl(p0, H),
        "delay_zero_state": chain.arl(p1, H),
        "delay_steady_state": chain.steady_state_delay(H),
    }


def cusum_threshold(p0: float, p1: float, arl: float) -> float:
    """Threshold h (nats) of a p0 -> p1 Bernoulli CUSUM with in-control zero-state ARL."""
    chain = BernoulliCusumChain(p0, p1)
    return chain.threshold_units(arl) / chain.scale


def cusum_arl(p0: float, p1: float, h: float, p: float | None = None) -> float:
    """Zero-state ARL of the p0 -> p1 CUSUM at threshold h when the true rate is ``p``."""
    chain = BernoulliCusumChain(p0, p1)
    return chain.arl(p0 if p is None else p, chain.units(h))


# --- Calibration of the multi-chart detector (monitor.posture_shift) -----------------------

# Baseline rates at which chart thresholds are tabulated; PostureShift interpolates the
# threshold linearly in log(p0) between neighbours (thresholds are smooth in log p0).
P0_GRID: tuple[float, ...] = (
    0.001, 0.0015, 0.002, 0.003, 0.005, 0.007, 0.01, 0.015, 0.02, 0.03,
    0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 0.9,
)  # fmt: skip


def odds_shift(p0: float, odds_ratio: float) -> float:
    """The rate whose odds are ``odds_ratio`` times those of p0 (stays inside (0, 1))."""
    return odds_ratio * p0 / (1.0 - p0 + odds_ratio * p0)


@lru_cache(maxsize=4096)
def chart_threshold(p0: float, odds_ratio: float, arl_each: float) -> float:
    """Threshold (nats) of one p0 -> odds_shift(p0, odds_ratio) chart at zero-state ARL
    ``arl_each`` (cached).

    Read from the table when tabulated. Above a tabulated ARL it is extrapolated: the
    increments are log-likelihood ratios, so E0[exp(increment)] = 1 and the ARL grows as
    C * exp(h) with C nearly constant once h is a few nats (Siegmund, 1985); adding
    log(arl_each / arl_tab) to the tabulated threshold was within 0.1 nats of the exact
    value (and mostly above it) for 10x the tabulated ARL. Otherwise (below the table,
    rates off the grid) it is solved exactly by Brook–Evans: 0.05-5 s a call, longest at
    small p0, so a non-default ``arl`` under 1e5 costs seconds at its first use.
    """
    h = _tabulated(p0, odds_ratio, arl_each)
    if h is not None:
        return h
    return cusum_threshold(p0, odds_shift(p0, odds_ratio), arl_each)


def _tabulated(p0: float, odds_ratio: float, arl_each: float) -> float | None:
    try:
        from monitor._calibration import THRESHOLDS
    except ImportError:  # the table is being regenerated
        return None
    if p0 not in P0_GRID:
        return None
    below = [a for (a, r) in THRESHOLDS if r == odds_ratio and a <= arl_each]
    if not below:
        return None
    arl_tab = max(below)
    return THRESHOLDS[arl_tab, odds_ratio][P0_GRID.index(p0)] + math.log(arl_each / arl_tab)


def write_table(path: str, arl_each_by_ratios: dict[float, tuple[float, ...]]) -> None:
    """Tabulate chart thresholds on P0_GRID (``python -m monitor._arl`` writes the default
    one to monitor/_calibration.py, so that building a detector never solves a chain)."""
    lines = [
        '"""Chart thresholds (nats) for monitor.posture_shift, by Brook–Evans on P0_GRID.',
        "",
        "Generated by ``python -m monitor._arl``; do not edit.",
        '"""',
        "",
        "# (per-chart in-control ARL, odds ratio) -> threshold at each rate of P0_GRID",
        "# fmt: off",
        "THRESHOLDS: dict[tuple[float, float], tuple[float, ...]] = {",
    ]
    for arl_each, ratios in arl_each_by_ratios.items():
        for r in ratios:
            # Always solved afresh (never read back from the table being replaced).
            hs = [f"{cusum_threshold(p0, odds_shift(p0, r), arl_each):.4f}," for p0 in P0_GRID]
            lines.append(f"    ({arl_each!r}, {r!r}): (")
            lines += ["        " + " ".join(hs[i : i + 10]) for i in range(0, len(hs), 10)]
            lines.append("    ),")
    lines += ["}", "# fmt: on"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    from monitor import posture_shift as ps

    up, down = ps.UP_RATIOS, ps.DOWN_RATIOS
    k1, k2 = ps.ARL_MULTIPLIER[len(up)], ps.ARL_MULTIPLIER[len(up) + len(down)]
    write_table(
        __file__.replace("_arl.py", "_calibration.py"),
        {
            1e5 * k1: up,  # PostureShift()
            1e5 * k2: up + down,  # PostureShift(two_sided=True)
            16 * 1e5 * k2: up + down,  # DomainMix() over the 16 default policy domains
        },
    )
