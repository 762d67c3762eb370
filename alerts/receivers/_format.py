"""Shared wording and details for human-facing receivers."""

from __future__ import annotations

from typing import Any

from alerts.outbox import Notification

_KIND_WORD = {
    "trigger": "FIRING",
    "repeat": "STILL FIRING",
    "escalate": "ESCALATED",
    "ack": "ACKNOWLEDGED",
    "resolve": "RESOLVED",
}


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4g}"


def title(n: Notification) -> str:
    e = n.event
    seg = e.segment
    if e.summary and n.kind in ("trigger", "repeat", "escalate"):
        head = e.summary
    else:
        head = f"{e.rule} on {e.metric} in {seg.domain} (model {seg.model}, surface {seg.surface})"
    tier = f" tier {n.tier}" if n.kind == "escalate" else ""
    return f"[{_KIND_WORD.get(n.kind, n.kind.upper())}{tier}] [{e.severity}] {head}"[:1000]


def numbers(n: Notification) -> str:
    e = n.event
    return (
        f"observed {_num(e.observed)}, baseline {_num(e.baseline)}, "
        f"intended max {_num(e.intended_max)}"
    )


def details(n: Notification) -> dict[str, Any]:
    e = n.event
    out: dict[str, Any] = {
        "status": n.status,
        "kind": n.kind,
        "alert_id": e.alert_id,
        "dedup_key": e.dedup_key,
        "rule": e.rule,
        "metric": e.metric,
        "segment": {
            "domain": e.segment.domain,
            "model": e.segment.model,
            "surface": e.segment.surface,
        },
        "baseline": e.baseline,
        "observed": e.observed,
        "intended_max": e.intended_max,
        "detected_at": e.detected_at.isoformat().replace("+00:00", "Z"),
        "detected_at_sample_id": e.detected_at_sample_id,
        "owners": e.owners,
        "evidence": [{"sample_id": ev.sample_id, "excerpt": ev.excerpt} for ev in e.evidence],
    }
    if n.kind == "escalate":
        out["escalation_tier"] = n.tier
    if n.acked_by:
        out["acknowledged_by"] = n.acked_by
    if e.statistic is not None:
        out["statistic"] = e.statistic
        out["threshold"] = e.threshold
    return out
