"""The routing tree: domain -> routes (receiver names) -> severity filter -> escalation tiers.

Tier 0 of an alert is the receivers its domain routes to (the policy's ``routes``; unknown
domains use ``defaults.routes``), kept if the receiver's ``severities`` (default: all) holds
the alert's severity. Tier ``k + 1`` is the ``escalate_to`` receivers of tier ``k``.
Route names without a configured receiver are reported once and skipped.

>>> from monitor.policy import parse_policy
>>> p = parse_policy('''
... version: "1"
... domains: {cyber: {routes: [oncall, tickets], severity: critical}}
... receivers:
...   oncall: {type: jsonl, path: /tmp/a, escalate_to: lead}
...   lead: {type: jsonl, path: /tmp/b}
...   tickets: {type: jsonl, path: /tmp/c, severities: [warning]}
... ''')
>>> from alerts.config import load_receivers
>>> table = RoutingTable(p, load_receivers(p, {}))
>>> table.tiers({"domain": "cyber", "severity": "critical"})
[['oncall'], ['lead']]
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Mapping

import structlog

from alerts.config import ReceiverConfig
from monitor.contract import AlertEvent
from monitor.policy import Policy

__all__ = ["RoutingTable", "alert_labels", "iso"]

_log = structlog.get_logger("alerts.routing")


def alert_labels(event: AlertEvent) -> dict[str, str]:
    """The labels routing, grouping, silences and inhibition look at (bounded, no ids but
    ``dedup_key``)."""
    return {
        "domain": event.segment.domain,
        "model": event.segment.model,
        "surface": event.segment.surface,
        "metric": event.metric,
        "rule": event.rule,
        "severity": event.severity,
        "dedup_key": event.dedup_key,
    }


def iso(ts: float | dt.datetime) -> str:
    if isinstance(ts, dt.datetime):
        value = ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)
    else:
        value = dt.datetime.fromtimestamp(ts, dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RoutingTable:
    def __init__(self, policy: Policy, receivers: Mapping[str, ReceiverConfig]) -> None:
        self._policy = policy
        self._receivers = dict(receivers)
        self._warned: set[str] = set()

    def _first_tier(self, labels: Mapping[str, str]) -> list[str]:
        domain = self._policy.domain(labels.get("domain", "none"))
        out: list[str] = []
        for route in domain.routes:
            cfg = self._receivers.get(route)
            if cfg is None:
                if route not in self._warned:
                    self._warned.add(route)
                    _log.warning("route_without_receiver", route=route, domain=domain.name)
                continue
            if cfg.severities is not None and labels.get("severity") not in cfg.severities:
                continue
            if route not in out:
                out.append(route)
        return out

    def tiers(self, labels: Mapping[str, str]) -> list[list[str]]:
        """Receivers by escalation tier; tier 0 first. Empty list: the alert routes nowhere."""
        tier = self._first_tier(labels)
        out: list[list[str]] = []
        seen: set[str] = set()
        while tier:
            out.append(tier)
            seen.update(tier)
            nxt: list[str] = []
            for name in tier:
                target = self._receivers[name].escalate_to
                if target is not None and target not in seen and target not in nxt:
                    nxt.append(target)
            tier = nxt
        return out

    def escalation_window(self, labels: Mapping[str, str]) -> float:
        domain = self._policy.domain(labels.get("domain", "none"))
        return float(domain.escalation_window_s or self._policy.defaults.escalation_window_s)

    def links(self, event: AlertEvent) -> dict[str, str]:
        """Runbook and the policy's link templates (e.g. a Grafana panel) for the event."""
        out: dict[str, str] = {}
        if event.runbook_url:
            out["runbook"] = event.runbook_url
        fields = {
            k: urllib.parse.quote(v, safe="")
            for k, v in (
                ("domain", event.segment.domain),
                ("model", event.segment.model),
                ("surface", event.segment.surface),
                ("metric", event.metric),
                ("rule", event.rule),
                ("dedup_key", event.dedup_key),
            )
        }
        for name, template in self._policy.links.items():
            try:
                out[name] = template.format(**fields)
            except (KeyError, IndexError, ValueError):
                _log.warning("bad_link_template", link=name)
        out.update(event.links or {})
        return out
