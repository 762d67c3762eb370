"""Helpers for the alerts tests: events, policies, and scriptable local HTTP receivers."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from monitor.contract import AlertEvent, Evidence, Segment
from monitor.policy import Policy, parse_policy


def make_event(
    domain: str = "cyber",
    rule: str = "posture_breach",
    metric: str = "under_refusal_rate",
    status: str = "firing",
    *,
    model: str = "model-2026-05-01",
    surface: str = "chat",
    severity: str = "critical",
    excerpt: str = "user wrote alice@example.com",
    n: int = 0,
) -> AlertEvent:
    key = f"{domain}|{model}|{surface}|{metric}|{rule}"
    return AlertEvent(
        alert_id=f"a-{key}-{status}-{n}",
        dedup_key=key,
        status=status,  # type: ignore[arg-type]
        severity=severity,
        rule=rule,
        metric=metric,
        segment=Segment(domain, model, surface),
        baseline=0.01,
        observed=0.05,
        intended_max=0.02,
        detected_at=dt.datetime(2026, 11, 27, 4, 31, 10, tzinfo=dt.UTC),
        detected_at_sample_id=f"s-{n:06d}",
        evidence=[Evidence("s-004702", excerpt)],
        owners=[f"{domain}-policy"],
        runbook_url=f"https://runbooks.example.com/{domain}",
    )


def policy_with(receivers: str, *, domains: str | None = None, alerting: str = "") -> Policy:
    domains = (
        domains
        or """
  cyber: {routes: [primary], severity: critical, escalation_window_s: 60}
  hate: {routes: [primary], severity: high}
"""
    )
    text = f"""
version: "test"
links:
  grafana: "https://grafana.example.com/d/x?var-domain={{domain}}"
domains:{domains}
receivers:{receivers}
{alerting}
"""
    return parse_policy(text, "<test>")


#: Delivery settings that make retries fast in tests.
FAST = (
    "timeout_s: 0.3, backoff_initial_s: 0.02, backoff_max_s: 0.1, circuit_failures: 1000, "
    "max_attempts: 100, group_wait_s: 0, group_interval_s: 0"
)


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Receipt:
    def __init__(
        self, method: str, path: str, headers: dict[str, str], body: bytes, at: float, answer: str
    ) -> None:
        self.method, self.path, self.headers, self.body = method, path, headers, body
        self.at, self.answer = at, answer

    def json(self) -> Any:
        return json.loads(self.body)


class ScriptedServer:
    """A real HTTP server on 127.0.0.1. ``script`` answers requests in order, then ``ok``:

    ``ok`` | ``500`` | ``400`` | ``429:<retry-after>`` | ``hang:<s>`` (no answer, then drop)
    | ``close`` (drop the connection) | ``slow_ok:<s>`` (process, answer late).

    Processing deduplicates on the ``Idempotency-Key`` header (as receivers should), and
    ``processed`` counts how often each key was *processed*.
    """

    def __init__(
        self,
        script: list[str] | None = None,
        *,
        handler: Callable[[Receipt], tuple[int, dict | list | None]] | None = None,
    ) -> None:
        self.script = list(script or [])
        self.receipts: list[Receipt] = []
        self.processed: Counter[str] = Counter()
        self.duplicates: Counter[str] = Counter()
        self.bodies: list[Any] = []
        self.default = "ok"
        self._handler = handler
        self._lock = threading.Lock()
        outer = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with outer._lock:
                    answer = outer.script.pop(0) if outer.script else outer.default
                    receipt = Receipt(
                        self.command,
                        self.path,
                        dict(self.headers.items()),
                        body,
                        time.monotonic(),
                        answer,
                    )
                    outer.receipts.append(receipt)
                kind, _, arg = answer.partition(":")
                if kind == "hang":
                    time.sleep(float(arg or 1.0))
                    self.close_connection = True
                    return
                if kind == "close":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if kind in ("500", "400", "503"):
                    self._send(int(kind), {"error": "scripted"})
                    return
                if kind == "429":
                    self._send(429, {"error": "slow down"}, {"Retry-After": arg or "1"})
                    return
                code, payload = 202, {"status": "success"}
                if outer._handler is not None:
                    code, payload = outer._handler(receipt)
                if 200 <= code < 300:
                    key = self.headers.get("Idempotency-Key") or f"noid-{len(outer.receipts)}"
                    with outer._lock:
                        if key in outer.processed:
                            outer.duplicates[key] += 1
                        else:
                            outer.processed[key] += 1
                            if body:
                                outer.bodies.append(json.loads(body))
                if kind == "slow_ok":
                    time.sleep(float(arg or 1.0))
                self._send(code, payload)

            def _send(self, code: int, payload: Any, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode() if payload is not None else b""
                try:
                    self.send_response(code)
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

            do_POST = _serve
            do_GET = _serve
            do_PUT = _serve

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.02)
        return predicate()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
