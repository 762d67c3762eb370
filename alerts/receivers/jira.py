"""Jira Cloud REST v3: an issue per incident, a comment on escalation and on resolve.

``POST /rest/api/3/issue`` with the description in Atlassian Document Format, labels and a
priority. Jira has no idempotency key, so the issue carries a label unique to the incident
(``sm-<hash of dedup_key and epoch>``); before creating again after a failed or unknown
attempt (a retry, or a restart mid-send) we search for that label and reuse the issue, so a
retry never opens a second ticket. The issue key is kept in the outbox.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import httpx
import msgspec

from alerts.outbox import Notification
from alerts.receivers import _format
from alerts.receivers.base import OK, HttpReceiver, SendResult, json_headers

__all__ = ["JiraReceiver", "adf", "incident_label"]

_encoder = msgspec.json.Encoder()
_PRIORITY = {"critical": "Highest", "high": "High", "warning": "Medium", "info": "Low"}


def incident_label(dedup_key: str, epoch: int) -> str:
    return "sm-" + hashlib.sha256(f"{dedup_key}\x1f{epoch}".encode()).hexdigest()[:16]


def _text(text: str, href: str | None = None) -> dict:
    node: dict[str, Any] = {"type": "text", "text": text}
    if href:
        node["marks"] = [{"type": "link", "attrs": {"href": href}}]
    return node


def _para(*nodes: dict) -> dict:
    return {"type": "paragraph", "content": list(nodes)}


def adf(n: Notification) -> dict:
    e = n.event
    content: list[dict] = [
        _para(_text(_format.title(n))),
        _para(_text(_format.numbers(n))),
        _para(
            _text(
                f"dedup_key {e.dedup_key}; detected at {e.detected_at.isoformat()} "
                f"(sample {e.detected_at_sample_id}); owners: {', '.join(e.owners)}"
            )
        ),
    ]
    if n.links:
        nodes: list[dict] = []
        for name, href in n.links.items():
            if nodes:
                nodes.append(_text(" | "))
            nodes.append(_text(name, href))
        content.append(_para(*nodes))
    if e.evidence:
        content.append(
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [_para(_text(f"{ev.sample_id}: {ev.excerpt[:1000]}"))],
                    }
                    for ev in e.evidence[:10]
                ],
            }
        )
    return {"type": "doc", "version": 1, "content": content}


class JiraReceiver(HttpReceiver):
    kinds = frozenset({"trigger", "escalate", "resolve"})

    def _headers(self, key: str) -> dict[str, str]:
        auth = f"{self._env[self.cfg.email_env]}:{self._env[self.cfg.api_token_env]}"
        headers = json_headers(key)
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
        headers["Accept"] = "application/json"
        return headers

    def _base(self) -> str:
        return self.cfg.base_url.rstrip("/")

    def _find(self, client: httpx.Client, n: Notification) -> tuple[str | None, SendResult]:
        label = incident_label(n.dedup_key, n.epoch)
        url = f"{self._base()}/rest/api/3/search/jql"
        try:
            resp = client.get(
                url,
                params={"jql": f'labels = "{label}"', "fields": "key", "maxResults": "1"},
                headers=self._headers(n.idempotency_key),
            )
        except httpx.TimeoutException:
            return None, SendResult(False, "timeout", True, None, "timeout searching issue")
        except httpx.TransportError as exc:
            return None, SendResult(False, "connection", True, None, str(exc)[:200])
        result = self.classify(resp)
        if not result.ok:
            return None, result
        issues = resp.json().get("issues") or []
        return (issues[0]["key"] if issues else None), OK

    def _issue_key(self, client: httpx.Client, n: Notification) -> tuple[str | None, SendResult]:
        key = self._refs.ref(self.name, n.dedup_key, n.epoch) if self._refs else None
        if key:
            return key, OK
        key, result = self._find(client, n)
        if key and self._refs:
            self._refs.set_ref(self.name, n.dedup_key, n.epoch, key)
        return key, result

    def _comment(self, client: httpx.Client, n: Notification, key: str, text: str) -> SendResult:
        body = {"body": {"type": "doc", "version": 1, "content": [_para(_text(text))]}}
        return self.post(
            client,
            "POST",
            f"{self._base()}/rest/api/3/issue/{key}/comment",
            self._headers(n.idempotency_key),
            _encoder.encode(body),
        )

    def send(self, batch: list[Notification], client: httpx.Client | None) -> SendResult:
        assert client is not None
        (n,) = batch
        key, result = self._issue_key(client, n)
        if not result.ok:
            return result
        if n.kind == "resolve":
            if key is None:  # the trigger never made an issue: nothing to resolve
                return OK
            return self._comment(client, n, key, _format.title(n))
        if key is not None:
            if n.kind == "escalate":
                return self._comment(client, n, key, _format.title(n))
            return OK  # already created (by an attempt whose answer we lost)
        e = n.event
        fields = {
            "project": {"key": self.cfg.project_key},
            "issuetype": {"name": self.cfg.issue_type},
            "summary": _format.title(n)[:250],
            "description": adf(n),
            "labels": [
                "safety-monitor",
                incident_label(n.dedup_key, n.epoch),
                f"domain-{e.segment.domain}",
                f"rule-{e.rule}",
            ],
            "priority": {"name": (self.cfg.priorities or _PRIORITY).get(e.severity, "Medium")},
        }
        resp_result, created = self._create(client, n, fields)
        if resp_result.ok and created and self._refs:
            self._refs.set_ref(self.name, n.dedup_key, n.epoch, created)
        return resp_result

    def _create(
        self, client: httpx.Client, n: Notification, fields: dict
    ) -> tuple[SendResult, str | None]:
        try:
            resp = client.post(
                f"{self._base()}/rest/api/3/issue",
                headers=self._headers(n.idempotency_key),
                content=_encoder.encode({"fields": fields}),
            )
        except httpx.TimeoutException:
            return SendResult(False, "timeout", True, None, "timeout creating issue"), None
        except httpx.TransportError as exc:
            return SendResult(False, "connection", True, None, str(exc)[:200]), None
        result = self.classify(resp)
        if not result.ok:
            return result, None
        try:
            return result, json.loads(resp.text).get("key")
        except ValueError:
            return result, None
