"""Acknowledgement over HTTP, for on-call tooling and chat bots.

``POST /v1/alerts/<dedup_key>/ack`` with ``Authorization: Bearer <token>`` and an optional
JSON body ``{"by": "alice"}`` acknowledges a firing incident (200; 409 if it is not
firing). ``GET /v1/alerts`` lists active incidents. ``POST /v1/silences`` with
``{"matchers": {...}, "duration_s": 3600, "comment": "..."}`` adds a silence (a planned
rollout, say); ``POST /v1/silences/<id>/expire`` ends it early.

The token comes from the environment (the policy's ``alerting.ack.token_env``, default
``SAFETY_MONITOR_ACK_TOKEN``) and is compared in constant time. No token configured, no
access: every request is refused with 403. Binds to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import hmac
import json
import os
import threading
import urllib.parse
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import structlog

from alerts.router import AlertRouter

__all__ = ["AckServer"]

_log = structlog.get_logger("alerts.ack_api")
_MAX_BODY = 64 * 1024


class AckServer:
    def __init__(
        self,
        router: AlertRouter,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        env: Mapping[str, str] = os.environ,
    ) -> None:
        self.router = router
        token = env.get(router.alerting.ack.token_env, "")
        self._token = token.encode() if token else b""
        if not self._token:
            _log.warning("ack_api_disabled", reason=f"{router.alerting.ack.token_env} not set")
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def log_message(self, fmt: str, *args: Any) -> None:  # quiet; structlog instead
                return

            def _reply(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                if not server._token:
                    self._reply(403, {"error": "acknowledgement API disabled: no token set"})
                    return False
                header = self.headers.get("Authorization", "")
                scheme, _, given = header.partition(" ")
                ok = scheme.lower() == "bearer" and hmac.compare_digest(
                    given.strip().encode(), server._token
                )
                if not ok:
                    self._reply(401, {"error": "missing or wrong bearer token"})
                return ok

            def _body(self) -> dict:
                length = int(self.headers.get("Content-Length") or 0)
                if length > _MAX_BODY:
                    raise ValueError("body too large")
                raw = self.rfile.read(length) if length else b""
                return json.loads(raw) if raw else {}

            def do_GET(self) -> None:
                if not self._authorized():
                    return
                if self.path.rstrip("/") != "/v1/alerts":
                    self._reply(404, {"error": "not found"})
                    return
                self._reply(
                    200,
                    {
                        "alerts": [
                            {
                                "dedup_key": i.dedup_key,
                                "status": i.status,
                                "severity": i.severity,
                                "tier": i.tier,
                                "acknowledged_by": i.acked_by,
                                "labels": i.labels,
                            }
                            for i in server.router.incidents()
                        ]
                    },
                )

            def do_POST(self) -> None:
                if not self._authorized():
                    return
                try:
                    body = self._body()
                except (ValueError, json.JSONDecodeError) as exc:
                    self._reply(400, {"error": f"bad body: {exc}"})
                    return
                parts = [urllib.parse.unquote(p) for p in self.path.strip("/").split("/")]
                if len(parts) == 4 and parts[:2] == ["v1", "alerts"] and parts[3] == "ack":
                    by = str(body.get("by") or "api")[:200]
                    if server.router.acknowledge(parts[2], by, via="api"):
                        self._reply(200, {"acknowledged": parts[2], "by": by})
                    else:
                        self._reply(409, {"error": "no firing incident with that dedup_key"})
                    return
                if len(parts) == 4 and parts[:2] == ["v1", "silences"] and parts[3] == "expire":
                    if server.router.expire_silence(parts[2]):
                        self._reply(200, {"expired": parts[2]})
                    else:
                        self._reply(404, {"error": "no silence with that id"})
                    return
                if parts == ["v1", "silences"]:
                    try:
                        s = server.router.silence(
                            body["matchers"],
                            float(body["duration_s"]),
                            created_by=str(body.get("by", "api")),
                            comment=str(body.get("comment", "")),
                        )
                    except (KeyError, TypeError, ValueError) as exc:
                        self._reply(400, {"error": f"bad silence: {exc}"})
                        return
                    self._reply(200, {"silence_id": s.id, "ends_at": s.ends_at})
                    return
                self._reply(404, {"error": "not found"})

        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="alerts-ack", daemon=True
        )

    def start(self) -> AckServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
