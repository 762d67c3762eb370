"""Anomaly rate: a rise in the share of novel-looking traffic (feature vectors)."""

from __future__ import annotations

import math

import numpy as np
from river import anomaly

from monitor.posture_shift import PostureShift

__all__ = ["AnomalyRate"]

# Standardised projections map linearly onto [0, 1] over +-4 standard deviations (clipped):
# Half-Space Trees split [0, 1] uniformly, so a squash that crowds outliers against the
# edges (a logistic, say) hides them.
_SPAN = 8.0


class AnomalyRate:
    """Detects a rise in the rate of anomalous samples among dense feature vectors.

    A fixed random Gaussian projection takes each vector (say a 256-d embedding of the
    request) to ``dims`` dimensions, which are standardised with statistics of the first
    ``warmup // 2`` samples and mapped linearly into [0, 1] (the range Half-Space Trees
    assume; +-4 standard deviations, clipped).
    river's :class:`~river.anomaly.HalfSpaceTrees` scores every sample and keeps learning;
    a sample counts as anomalous when its score exceeds the ``quantile`` of the scores seen
    in the second half of the warm-up. That 0/1 stream, whose in-control rate is about
    ``1 - quantile``, is watched by a :class:`~monitor.posture_shift.PostureShift` with the
    usual false-alarm budget ``arl``: novel traffic shows as a rise of the rate.

    Half-Space Trees measure sparseness against a reference window of ``window_size``
    samples, so novel traffic that is scattered (off the usual manifold) keeps scoring
    high, while a tight new cluster becomes "normal" once it fills a reference window:
    such a cluster is caught only if the rate detector fires within a window or two.

    Parameters
    ----------
    dims
        Dimensions after the random projection.
    arl
        Target in-control average run length (samples) of the rate detector.
    quantile
        Score quantile of the warm-up that separates anomalous from normal samples.
    warmup
        Samples used to fit the scaling and the score threshold (no alarm before, and the
        rate detector then learns its own baseline).
    n_trees, height, window_size
        Half-Space Trees settings.
    seed
        Seed of the projection and of the trees.

    Examples
    --------
    >>> import numpy as np
    >>> from monitor.anomaly_rate import AnomalyRate

    >>> rng = np.random.default_rng(0)
    >>> normal = rng.normal(size=(6000, 32))
    >>> # A fifth of the new traffic lies off the usual manifold (three times the spread).
    >>> novel = rng.normal(size=(2000, 32)) * np.where(rng.random((2000, 1)) < 0.2, 3.0, 1.0)
    >>> detector = AnomalyRate(dims=4, arl=1e4)
    >>> for i, x in enumerate(np.concatenate([normal, novel])):
    ...     if detector.update(x):
    ...         print(f"novel traffic at {i}: {detector.observed:.2f} anomalous")
    ...         break
    novel traffic at 6045: 0.11 anomalous

    References
    ----------
    S. C. Tan, K. M. Ting, T. F. Liu (2011). Fast anomaly detection for streaming data.
    IJCAI, 1511-1516.
    W. B. Johnson and J. Lindenstrauss (1984). Extensions of Lipschitz mappings into a
    Hilbert space. Contemporary Mathematics 26, 189-206.

    """

    def __init__(
        self,
        dims: int = 8,
        arl: float = 1e5,
        quantile: float = 0.99,
        warmup: int = 2000,
        n_trees: int = 10,
        height: int = 8,
        window_size: int = 250,
        seed: int = 0,
    ) -> None:
        self.dims = dims
        self.quantile = quantile
        self.warmup = warmup
        self.seed = seed
        self.n = 0
        self.score = 0.0
        self.anomalous = False
        self.score_threshold: float | None = None
        self.shift = PostureShift(arl=arl)
        self._trees = anomaly.HalfSpaceTrees(
            n_trees=n_trees, height=height, window_size=window_size, seed=seed
        )
        self._window = window_size
        self._keys: list | None = None
        self._proj: np.ndarray | None = None
        # Welford sums of the projected features during the first half of the warm-up.
        self._mean = np.zeros(dims)
        self._m2 = np.zeros(dims)
        self._scale: np.ndarray | None = None
        self._scores: list[float] = []

    def _vector(self, x: np.ndarray | dict) -> np.ndarray:
        if isinstance(x, dict):
            if self._keys is None:
                self._keys = sorted(x)
            x = np.fromiter((float(x.get(k, 0.0)) for k in self._keys), float, len(self._keys))
        v = np.asarray(x, dtype=float).ravel()
        if self._proj is None:
            rng = np.random.default_rng(self.seed)
            self._proj = rng.normal(size=(v.size, self.dims)) / math.sqrt(v.size)
        return v @ self._proj

    def update(self, x: np.ndarray | dict) -> bool:
        """Add one feature vector; True on the sample where the anomaly rate is found up."""
        y = self._vector(x)
        self.n += 1
        half = self.warmup // 2
        if self.n <= half:
            delta = y - self._mean
            self._mean += delta / self.n
            self._m2 += delta * (y - self._mean)
            if self.n == half:
                self._scale = np.sqrt(self._m2 / max(half - 1, 1)) + 1e-12
            return False
        z = (y - self._mean) / self._scale
        u = np.clip(0.5 + z / _SPAN, 0.0, 1.0)
        features = dict(enumerate(u.tolist()))
        self.score = self._trees.score_one(features)
        self._trees.learn_one(features)
        if self.score_threshold is None:
            if self.n > half + self._window:  # the trees have a reference window by now
                self._scores.append(self.score)
            if self.n >= self.warmup and self._scores:
                self.score_threshold = float(np.quantile(self._scores, self.quantile))
                self._scores = []
            return False
        self.anomalous = self.score > self.score_threshold
        return self.shift.update(self.anomalous)

    @property
    def in_warmup(self) -> bool:
        return self.score_threshold is None or self.shift.in_warmup

    @property
    def statistic(self) -> float:
        return self.shift.statistic

    @property
    def threshold(self) -> float:
        return self.shift.threshold

    @property
    def baseline(self) -> float:
        """Baseline share of anomalous samples."""
        return self.shift.baseline

    @property
    def observed(self) -> float:
        """Recent share of anomalous samples."""
        return self.shift.observed
