"""PagerDuty Events API v2: ``trigger`` / ``acknowledge`` / ``resolve`` by ``dedup_key``.

PagerDuty deduplicates on ``dedup_key`` (the incident's), so a retried trigger never opens a
second incident; it re-notifies by its own escalation policies, so we do not repeat.
"""

from __future__ import annotations

import msgspec

from alerts.outbox import Notification
from alerts.receivers import _format
from alerts.receivers.base import HttpReceiver, json_headers
from alerts.routing import iso

__all__ = ["PagerDutyReceiver"]

DEFAULT_URL = "https://events.pagerduty.com/v2/enqueue"
_SEVERITY = {"critical": "critical", "high": "error", "warning": "warning", "info": "info"}
_ACTION = {
    "trigger": "trigger",
    "repeat": "trigger",
    "escalate": "trigger",
    "ack": "acknowledge",
    "resolve": "resolve",
}
_encoder = msgspec.json.Encoder()


class PagerDutyReceiver(HttpReceiver):
    kinds = frozenset({"trigger", "repeat", "escalate", "ack", "resolve"})

    def event(self, n: Notification) -> dict:
        e = n.event
        body: dict = {
            "routing_key": self._env[self.cfg.routing_key_env],
            "event_action": _ACTION[n.kind],
            "dedup_key": e.dedup_key,
        }
        if body["event_action"] == "trigger":
            body["payload"] = {
                "summary": _format.title(n)[:1024],
                "source": f"safety-monitor/{e.segment.model}",
                "severity": _SEVERITY.get(e.severity, "warning"),
                "timestamp": iso(e.detected_at),
                "component": e.segment.model,
                "group": e.segment.domain,
                "class": e.rule,
                "custom_details": _format.details(n),
            }
            body["links"] = [{"href": href, "text": name} for name, href in n.links.items()]
            body["client"] = "safety-monitor"
            if e.runbook_url:
                body["client_url"] = e.runbook_url
        return body

    def request(self, batch: list[Notification]) -> tuple[str, str, dict[str, str], bytes]:
        (n,) = batch
        return (
            "POST",
            self.cfg.url or DEFAULT_URL,
            json_headers(n.idempotency_key),
            _encoder.encode(self.event(n)),
        )
