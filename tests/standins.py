"""Stand-ins for core modules other engineers are still building, for the Kafka tests only.

``monitor.pipeline`` imports ``classifiers.outcome`` and ``monitor.rules`` imports
``monitor.posture_shift`` / ``monitor.posture_breach``. Until those land on this branch,
:func:`install` registers small deterministic stand-ins under those names so the streaming
adapters can be tested end to end. A real module always wins: nothing is installed when the
import succeeds. The streaming tests compare the Kafka workers with the embedded runner on
the same core, so they hold whichever detectors are in use.
"""

from __future__ import annotations

import importlib
import math
import sys
import types


def _outcome_of(request, request_score, response, response_scores, harmful_score, *, margin):
    del response_scores
    if request == "disallowed" and (response == "complied" or harmful_score >= 0.5):
        return "under_refusal"
    if request == "allowed" and response == "refused":
        return "over_refusal"
    if request == "ambiguous" or abs(request_score - 0.5) < margin:
        return "uncertain"
    return "ok"


class _PostureShift:
    """Bernoulli CUSUM for a doubling (and, two-sided, a halving) of the odds."""

    def __init__(self, arl: float = 1e5, two_sided: bool = False, warmup: int = 500) -> None:
        self.arl, self.two_sided, self.warmup = arl, two_sided, warmup
        self.n = 0
        self.events = 0
        self.baseline: float | None = None
        self.observed: float | None = None
        self.statistic = 0.0
        self.threshold = math.log(arl) / 2
        self.direction: str | None = None
        self._up = self._down = 0.0
        self._recent = 0.0

    def update(self, x: bool) -> bool:
        self.n += 1
        self.events += x
        self._recent = 0.98 * self._recent + 0.02 * x
        self.observed = self._recent
        if self.n <= self.warmup:
            if self.n == self.warmup:
                self.baseline = min(max((self.events + 1) / (self.n + 2), 0.005), 0.9)
            return False
        p0 = self.baseline or 0.5
        p1 = min(2 * p0 / (1 + p0), 0.99)
        self._up = max(0.0, self._up + (math.log(p1 / p0) if x else math.log((1 - p1) / (1 - p0))))
        if self.two_sided:
            q1 = p0 / (2 - p0)
            step = math.log(q1 / p0) if x else math.log((1 - q1) / (1 - p0))
            self._down = max(0.0, self._down + step)
        self.statistic = max(self._up, self._down)
        if self.statistic >= self.threshold:
            self.direction = "up" if self._up >= self._down else "down"
            return True
        return False


class _PostureBreach:
    """Wilson lower bound of the last ``window`` samples above the intended maximum."""

    def __init__(self, intended_max: float, confidence: float = 0.99, window: int = 400) -> None:
        self.intended_max = intended_max
        self.z = 2.33 if confidence >= 0.99 else 1.64
        self.window = window
        self._bits: list[bool] = []
        self._sum = 0
        self.firing = False
        self.observed: float | None = None
        self.lower_bound: float | None = None

    def update(self, x: bool) -> str | None:
        self._bits.append(x)
        self._sum += x
        if len(self._bits) > self.window:
            self._sum -= self._bits.pop(0)
        n = len(self._bits)
        if n < 50:
            return None
        p = self._sum / n
        z = self.z
        centre = p + z * z / (2 * n)
        spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        self.observed = p
        self.lower_bound = (centre - spread) / (1 + z * z / n)
        if not self.firing and self.lower_bound > self.intended_max:
            self.firing = True
            return "firing"
        if self.firing and p < 0.8 * self.intended_max:
            self.firing = False
            return "resolved"
        return None


def _missing(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError:
        return True
    return False


def install() -> list[str]:
    """Register the stand-ins whose real modules are missing; returns their names."""
    installed = []
    if _missing("classifiers.outcome"):
        module = types.ModuleType("classifiers.outcome")
        module.outcome_of = _outcome_of  # type: ignore[attr-defined]
        sys.modules["classifiers.outcome"] = module
        installed.append("classifiers.outcome")
    for name, attr, cls in (
        ("monitor.posture_shift", "PostureShift", _PostureShift),
        ("monitor.posture_breach", "PostureBreach", _PostureBreach),
    ):
        if _missing(name):
            module = types.ModuleType(name)
            cls.__module__ = name
            cls.__qualname__ = attr
            setattr(module, attr, cls)
            sys.modules[name] = module
            installed.append(name)
    return installed


def fixed_classifier(domain_names=None):
    """Classifier factory for ``--classifier tests.standins:fixed_classifier``."""
    from monitor.testing import FixedClassifier

    return FixedClassifier()
