"""Slack incoming webhook (the URL is the secret: ``webhook_url_env``)."""

from __future__ import annotations

import msgspec

from alerts.outbox import Notification
from alerts.receivers import _format
from alerts.receivers.base import HttpReceiver, batch_key, json_headers

__all__ = ["SlackReceiver"]

_encoder = msgspec.json.Encoder()
_EMOJI = {
    "trigger": ":rotating_light:",
    "repeat": ":rotating_light:",
    "escalate": ":sos:",
    "ack": ":eyes:",
    "resolve": ":white_check_mark:",
}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackReceiver(HttpReceiver):
    kinds = frozenset({"trigger", "repeat", "escalate", "ack", "resolve"})

    def blocks(self, n: Notification) -> list[dict]:
        e = n.event
        lines = [
            f"{_EMOJI.get(n.kind, '')} *{_escape(_format.title(n))}*",
            _escape(_format.numbers(n)),
            f"owners: {_escape(', '.join(e.owners) or 'n/a')}",
        ]
        if n.acked_by:
            lines.append(f"acknowledged by {_escape(n.acked_by)}")
        links = " | ".join(f"<{href}|{_escape(name)}>" for name, href in n.links.items())
        if links:
            lines.append(links)
        blocks: list[dict] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}
        ]
        if e.evidence and n.kind in ("trigger", "escalate"):
            ev = "\n".join(
                f"• `{_escape(x.sample_id)}` {_escape(x.excerpt[:300])}" for x in e.evidence[:3]
            )
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": ev}]})
        return blocks

    def request(self, batch: list[Notification]) -> tuple[str, str, dict[str, str], bytes]:
        blocks: list[dict] = []
        for n in batch:
            blocks.extend(self.blocks(n))
        text = "; ".join(_format.title(n) for n in batch)[:3000]
        body = {"text": text, "blocks": blocks[:50]}
        return (
            "POST",
            self._env[self.cfg.webhook_url_env],
            json_headers(batch_key(batch)),
            _encoder.encode(body),
        )
