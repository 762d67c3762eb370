"""Alert rules on one posture stream: ``posture_shift`` and ``posture_breach``.

A :class:`StreamRules` watches one (segment, metric) Bernoulli stream and reports rule
transitions (``firing`` / ``resolved``):

* ``posture_shift`` (:class:`monitor.posture_shift.PostureShift`): a significant change from
  the stream's own learned baseline, calibrated to the policy's false-alarm budget. After it
  fires the detector re-learns the new level and watches both ways; the alert resolves when
  the rate moves back (a significant change in the opposite direction).
* ``posture_breach`` (:class:`monitor.posture_breach.PostureBreach`): the rate is, with the
  policy's confidence, above the intended maximum; resolves with hysteresis.

>>> from monitor.policy import Detection
>>> rules = StreamRules(Detection(arl=1000, warmup=50), intended_max=0.05)
>>> fired = [t for i in range(400) for t in rules.update(i % 4 == 0)]
>>> sorted({t.rule for t in fired})
['posture_breach']
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.policy import Detection
from monitor.posture_breach import PostureBreach
from monitor.posture_shift import PostureShift

POSTURE_SHIFT = "posture_shift"
POSTURE_BREACH = "posture_breach"


@dataclass(frozen=True, slots=True)
class Transition:
    """A rule changing state on a stream, with the numbers that made it change."""

    rule: str
    status: str  # "firing" | "resolved"
    baseline: float | None
    observed: float | None
    statistic: float | None
    threshold: float | None
    window: int | None


class StreamRules:
    """The rules of one posture stream; ``update(x)`` returns the transitions it caused."""

    __slots__ = (
        "_detection",
        "breach",
        "false_alarm_rate",
        "intended_max",
        "shift",
        "shift_firing",
        "watch_shift",
    )

    def __init__(
        self, detection: Detection, intended_max: float | None = None, *, watch_shift: bool = True
    ) -> None:
        self._detection = detection
        self.intended_max = intended_max
        #: False: the shift detector still tracks the rate (metrics) but raises no alert.
        self.watch_shift = watch_shift
        #: False posture_shift alarms per in-control sample: the policy's budget.
        self.false_alarm_rate = 1.0 / detection.arl
        self.shift = self._new_shift(two_sided=detection.two_sided)
        self.shift_firing: str | None = None  # direction of the open shift incident
        self.breach = (
            PostureBreach(intended_max, confidence=detection.breach_confidence)
            if intended_max is not None
            else None
        )

    def _new_shift(self, two_sided: bool) -> PostureShift:
        return PostureShift(
            arl=self._detection.arl, two_sided=two_sided, warmup=self._detection.warmup
        )

    def update(self, x: bool) -> list[Transition]:
        out: list[Transition] = []
        shift = self.shift
        if shift.update(x) and self.watch_shift:
            out.extend(self._on_shift(shift))
        breach = self.breach
        if breach is not None:
            status = breach.update(x)
            if status is not None:
                out.append(
                    Transition(
                        POSTURE_BREACH,
                        status,
                        baseline=self.intended_max,
                        observed=breach.observed,
                        statistic=breach.lower_bound,
                        threshold=self.intended_max,
                        window=breach.n,
                    )
                )
        return out

    def _on_shift(self, shift: PostureShift) -> list[Transition]:
        numbers = {
            "baseline": shift.baseline,
            "observed": shift.observed,
            "statistic": shift.statistic,
            "threshold": shift.threshold,
            "window": shift.n,
        }
        # Re-learn the new level; while an incident is open, watch both ways so that a move
        # back to the old level can resolve it.
        self.shift = self._new_shift(two_sided=True)
        if self.shift_firing is None:
            self.shift_firing = shift.direction
            return [Transition(POSTURE_SHIFT, "firing", **numbers)]
        if shift.direction != self.shift_firing:
            self.shift_firing = None
            self.shift = self._new_shift(two_sided=self._detection.two_sided)
            return [Transition(POSTURE_SHIFT, "resolved", **numbers)]
        return []  # a further move the same way: the open incident covers it
