"""Prometheus Alertmanager, API v2: ``POST /api/v2/alerts``.

As Alertmanager's clients doc asks, an active alert is re-sent periodically
(``resend_interval_s``, default 60 s) with ``endsAt`` a few intervals ahead, so an alert
whose sender died resolves by itself; a resolve is the same alert with ``endsAt`` = now.
Alertmanager groups, inhibits and routes on its side by the labels sent here
(``alertname`` = rule, ``severity``, ``domain``, ``model``, ``surface``, ``metric``,
``dedup_key``). Posting the same alert again is idempotent.
"""

from __future__ import annotations

import msgspec

from alerts.outbox import Notification
from alerts.receivers import _format
from alerts.receivers.base import HttpReceiver, batch_key, json_headers
from alerts.routing import iso

__all__ = ["AlertmanagerReceiver"]

_encoder = msgspec.json.Encoder()


class AlertmanagerReceiver(HttpReceiver):
    # Acknowledgement has no Alertmanager counterpart; re-sends continue while active.
    kinds = frozenset({"trigger", "repeat", "escalate", "resolve"})

    def _resend(self) -> float:
        return self.cfg.resend_interval_s or self.cfg.repeat_interval_s or 60.0

    def alert(self, n: Notification, now: float) -> dict:
        e = n.event
        labels = {
            "alertname": e.rule,
            "severity": e.severity,
            "domain": e.segment.domain,
            "model": e.segment.model,
            "surface": e.segment.surface,
            "metric": e.metric,
            "rule": e.rule,
            "dedup_key": e.dedup_key,
            "source": "safety-monitor",
        }
        annotations = {
            "summary": _format.title(n),
            "description": _format.numbers(n),
            "runbook_url": e.runbook_url,
            "owners": ",".join(e.owners),
            "alert_id": e.alert_id,
            "detected_at_sample_id": e.detected_at_sample_id,
        }
        if e.evidence:
            annotations["evidence"] = "\n".join(
                f"{ev.sample_id}: {ev.excerpt}" for ev in e.evidence[:5]
            )[:4000]
        starts = n.fired_at or e.detected_at.timestamp()
        ends = now if n.kind == "resolve" else now + 3 * self._resend()
        body = {
            "labels": labels,
            "annotations": {k: v for k, v in annotations.items() if v},
            "startsAt": iso(starts),
            "endsAt": iso(max(ends, starts + 0.001)),
        }
        url = n.links.get("grafana") or e.runbook_url
        if url:
            body["generatorURL"] = url
        return body

    def request(self, batch: list[Notification]) -> tuple[str, str, dict[str, str], bytes]:
        now = self._clock()
        headers = json_headers(batch_key(batch))
        if self.cfg.bearer_token_env:
            headers["Authorization"] = f"Bearer {self._env[self.cfg.bearer_token_env]}"
        url = self.cfg.url.rstrip("/") + "/api/v2/alerts"
        return "POST", url, headers, _encoder.encode([self.alert(n, now) for n in batch])
