"""Inhibition: an active source alert mutes matching target alerts (Alertmanager semantics).

The default rule: a ``posture_breach`` of a segment inhibits the ``posture_shift`` of the
same segment (labels ``domain``, ``model``, ``surface`` equal), since the breach says more.

>>> from alerts.config import InhibitRule
>>> rule = InhibitRule(source={"rule": "posture_breach"}, target={"rule": "posture_shift"})
>>> seg = {"domain": "cyber", "model": "m", "surface": "chat"}
>>> inhibited({**seg, "rule": "posture_shift"}, [{**seg, "rule": "posture_breach"}], [rule])
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from alerts.config import InhibitRule
from alerts.matching import matches

__all__ = ["inhibited"]


def inhibited(
    labels: Mapping[str, str],
    active: Iterable[Mapping[str, str]],
    rules: Sequence[InhibitRule],
) -> bool:
    """True if an active alert (other than this one) inhibits the alert with ``labels``."""
    relevant = [r for r in rules if matches(r.target, labels)]
    if not relevant:
        return False
    for other in active:
        key = labels.get("dedup_key")
        if key is not None and other.get("dedup_key") == key:
            continue
        for rule in relevant:
            if matches(rule.source, other) and all(
                other.get(k) == labels.get(k) for k in rule.equal
            ):
                return True
    return False
