"""Liveness and readiness, served beside ``/metrics`` on the monitor's one HTTP port.

* ``/healthz`` (liveness): 200 while the process can answer and nothing fatal was reported.
  It deliberately does not look at traffic: an idle topic is no reason for Kubernetes to
  restart the pod, and restarting would not bring traffic back.
* ``/readyz`` (readiness): 200 once the policy and the classifier are loaded and the stream
  is flowing (a batch was processed within ``stall_after`` seconds); 503 otherwise, with the
  reason in the JSON body so ``kubectl describe`` and humans see why.
* ``/metrics``: prometheus_client's own WSGI app, so the exposition format and content
  negotiation stay exactly what the library does.

One port keeps the container spec, the Service and the scrape config simple.

>>> health = Health(stall_after=30, clock=lambda: 1000.0)
>>> health.readiness()
(False, {'ready': False, 'missing': ['policy', 'classifier'], 'last_batch_age_s': None})
>>> health.loaded("policy"); health.loaded("classifier"); health.beat()
>>> health.readiness()[0], health.liveness()[0]
(True, True)
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

#: What must be loaded before the monitor can judge a sample.
REQUIRED = ("policy", "classifier")

#: Default seconds without a processed batch after which the monitor is not ready. Demo and
#: production traffic arrive many times a second; a minute of silence means a stuck source.
STALL_AFTER_S = 60.0


class Health:
    """What the probes report; the CLI and workers call ``loaded``, ``beat`` and ``fail``.

    Thread-safe enough for its use: the writers set plain attributes (atomic in CPython) and
    the HTTP threads only read them.
    """

    def __init__(
        self,
        *,
        required: Iterable[str] = REQUIRED,
        stall_after: float = STALL_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.required = tuple(required)
        self.stall_after = stall_after
        self._clock = clock
        self._loaded: set[str] = set()
        self._last_beat: float | None = None
        self._fatal: str | None = None
        #: Seconds since the last batch, when something other than ``beat`` knows it.
        self._batch_age: Callable[[], float | None] = self._age_from_beats

    @classmethod
    def from_registry(
        cls, registry: CollectorRegistry, *, stall_after: float = STALL_AFTER_S
    ) -> Health:
        """Health of a process that serves metrics only once it has loaded everything.

        The stream is flowing when the ``safety_monitor_last_batch_timestamp_seconds`` gauge
        of :class:`monitor.metrics.Metrics` is recent, so callers that never call ``beat``
        (e.g. through :func:`monitor.metrics.start_http_server`) still get true readiness.
        """
        health = cls(required=(), stall_after=stall_after)

        def age() -> float | None:
            last = registry.get_sample_value("safety_monitor_last_batch_timestamp_seconds")
            return None if not last else max(0.0, time.time() - last)

        health._batch_age = age
        return health

    def loaded(self, component: str) -> None:
        """Mark a component (``policy``, ``classifier``) as loaded."""
        self._loaded.add(component)

    def beat(self) -> None:
        """A batch was processed: the stream is flowing."""
        self._last_beat = self._clock()

    def fail(self, reason: str) -> None:
        """Something the process cannot recover from: liveness fails so it gets restarted."""
        self._fatal = reason

    def liveness(self) -> tuple[bool, dict]:
        if self._fatal is not None:
            return False, {"alive": False, "reason": self._fatal}
        return True, {"alive": True}

    def readiness(self) -> tuple[bool, dict]:
        missing = [c for c in self.required if c not in self._loaded]
        age = self._batch_age()
        age = None if age is None else round(age, 3)
        flowing = age is not None and age <= self.stall_after
        ready = not missing and flowing and self._fatal is None
        body: dict = {"ready": ready, "missing": missing, "last_batch_age_s": age}
        if self._fatal is not None:
            body["reason"] = self._fatal
        return ready, body

    def _age_from_beats(self) -> float | None:
        return None if self._last_beat is None else self._clock() - self._last_beat


def wsgi_app(registry: CollectorRegistry, health: Health):
    """``/healthz`` and ``/readyz`` from ``health``; everything else to the metrics app."""
    metrics_app = make_wsgi_app(registry)
    probes = {"/healthz": health.liveness, "/readyz": health.readiness}

    def app(environ, start_response):
        probe = probes.get(environ.get("PATH_INFO", ""))
        if probe is None:
            return metrics_app(environ, start_response)
        ok, body = probe()
        payload = json.dumps(body).encode() + b"\n"
        status = "200 OK" if ok else "503 Service Unavailable"
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("Cache-Control", "no-store"),
        ]
        start_response(status, headers)
        return [payload] if environ.get("REQUEST_METHOD") != "HEAD" else []

    return app


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    """One thread per request, so a slow scrape never blocks a probe."""

    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    """Probes and scrapes every few seconds would flood stderr; the logs are JSON lines."""

    def log_message(self, format: str, *args) -> None:
        pass


def serve(
    port: int, registry: CollectorRegistry, health: Health, addr: str = "127.0.0.1"
) -> tuple[WSGIServer, threading.Thread]:
    """Serve ``/metrics``, ``/healthz`` and ``/readyz`` in a daemon thread.

    Returns (server, thread); ``server.shutdown()`` stops it. ``port=0`` picks a free port
    (``server.server_port`` tells which).
    """
    server = make_server(
        addr,
        port,
        wsgi_app(registry, health),
        server_class=_ThreadingServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, name="health-http", daemon=True)
    thread.start()
    return server, thread
