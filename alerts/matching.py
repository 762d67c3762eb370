"""Label matchers, shared by silences, maintenance windows and inhibition rules.

A matcher maps a label to a value (exact), a list of values (any of them) or ``"*"`` (any).

>>> matches({"domain": ["cyber", "cbrn"], "rule": "posture_shift"},
...         {"domain": "cyber", "rule": "posture_shift", "model": "m"})
True
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["matches"]


def matches(matchers: Mapping[str, str | list[str]], labels: Mapping[str, str]) -> bool:
    """True if every matcher holds for ``labels`` (an empty matcher set matches all)."""
    for label, want in matchers.items():
        have = labels.get(label)
        if isinstance(want, str):
            if want != "*" and have != want:
                return False
        elif have not in want:
            return False
    return True
