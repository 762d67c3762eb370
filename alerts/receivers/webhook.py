"""Generic JSON webhook, signed with HMAC-SHA256 over ``timestamp + "." + body``.

Receivers verify with :class:`alerts.webhook_verify.WebhookVerifier`. Body::

    {"version": "1", "receiver": "...", "group_key": "...",
     "notifications": [{"idempotency_key": "...", "kind": "trigger", "status": "firing",
                        "tier": 0, "links": {...}, "alert": {<contract section 4 event>}}]}
"""

from __future__ import annotations

import msgspec

from alerts.outbox import Notification
from alerts.receivers.base import HttpReceiver, batch_key, json_headers
from alerts.webhook_verify import sign_request

__all__ = ["WebhookReceiver"]

_encoder = msgspec.json.Encoder()


class WebhookReceiver(HttpReceiver):
    kinds = frozenset({"trigger", "repeat", "escalate", "ack", "resolve"})

    def body(self, batch: list[Notification]) -> dict:
        return {
            "version": "1",
            "receiver": self.name,
            "group_key": batch[0].group_key,
            "notifications": [
                {
                    "idempotency_key": n.idempotency_key,
                    "kind": n.kind,
                    "status": n.status,
                    "tier": n.tier,
                    "acknowledged_by": n.acked_by,
                    "links": n.links,
                    "alert": n.event,
                }
                for n in batch
            ],
        }

    def request(self, batch: list[Notification]) -> tuple[str, str, dict[str, str], bytes]:
        body = _encoder.encode(self.body(batch))
        headers = json_headers(batch_key(batch))
        headers.update(self.cfg.headers or {})
        if self.cfg.bearer_token_env:
            headers["Authorization"] = f"Bearer {self._env[self.cfg.bearer_token_env]}"
        headers.update(
            sign_request(self._env[self.cfg.secret_env], body, timestamp=int(self._clock()))
        )
        return "POST", self.cfg.url, headers, body
