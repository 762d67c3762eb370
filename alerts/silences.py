"""Silences (set at run time, stored in the outbox) and maintenance windows (from the policy).

Both mute notifications for matching alerts while ``starts_at <= now < ends_at``, measured on
the router's clock. The lifecycle keeps evaluating muted alerts: when the silence ends and the
alert still fires, it is notified then. A resolve always goes where its trigger went.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping

import msgspec

from alerts.config import MaintenanceWindow
from alerts.matching import matches

__all__ = ["Silence", "new_silence", "suppression_reason"]


class Silence(msgspec.Struct, frozen=True):
    id: str
    matchers: dict[str, str | list[str]]
    starts_at: float
    ends_at: float
    created_by: str = ""
    comment: str = ""

    def active(self, now: float) -> bool:
        return self.starts_at <= now < self.ends_at


def new_silence(
    matchers: Mapping[str, str | list[str]],
    starts_at: float,
    ends_at: float,
    *,
    created_by: str = "",
    comment: str = "",
) -> Silence:
    if ends_at <= starts_at:
        raise ValueError("a silence must end after it starts")
    if not matchers:
        raise ValueError("a silence needs at least one matcher (refusing to mute everything)")
    return Silence(str(uuid.uuid4()), dict(matchers), starts_at, ends_at, created_by, comment)


def _epoch(value: dt.datetime) -> float:
    return value.timestamp()


def suppression_reason(
    labels: Mapping[str, str],
    now: float,
    silences: Iterable[Silence],
    windows: Iterable[MaintenanceWindow],
) -> str | None:
    """``"silenced"``, ``"maintenance"`` or None."""
    for window in windows:
        if _epoch(window.starts_at) <= now < _epoch(window.ends_at) and matches(
            window.matchers, labels
        ):
            return "maintenance"
    for silence in silences:
        if silence.active(now) and matches(silence.matchers, labels):
            return "silenced"
    return None
