"""Delivery: one worker per receiver takes due notifications from the outbox and sends them.

Per receiver: an ``httpx.Client`` with explicit timeouts (``trust_env=False``: no proxy or
certificate settings picked up from the environment by surprise), exponential backoff with
jitter, ``Retry-After`` honoured on 429/503 (for the whole receiver, not just one alert), a
token-bucket rate limit, a circuit breaker, and on final failure the fallback receiver or
the dead-letter state. A hanging receiver only holds its own worker.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

import httpx
import structlog

from alerts.circuit import CircuitBreaker
from alerts.config import max_batch
from alerts.metrics import AlertMetrics
from alerts.outbox import Notification, Outbox
from alerts.ratelimit import TokenBucket
from alerts.receivers.base import Receiver, SendResult

__all__ = ["ReceiverWorker", "backoff"]

_log = structlog.get_logger("alerts.delivery")

#: Called with a notification that cannot be delivered and why; returns the state to record.
FailHandler = Callable[[Notification, str], None]


def backoff(attempt: int, initial: float, cap: float, rng: random.Random) -> float:
    """Equal-jitter exponential backoff: half fixed, half random, of ``initial * 2**(n-1)``."""
    base = min(cap, initial * 2 ** max(attempt - 1, 0))
    return base / 2 + rng.uniform(0, base / 2)


class ReceiverWorker:
    def __init__(
        self,
        receiver: Receiver,
        outbox: Outbox,
        metrics: AlertMetrics,
        *,
        clock: Callable[[], float],
        on_failed: FailHandler,
        rng: random.Random | None = None,
        idle_poll_s: float = 0.5,
    ) -> None:
        self.receiver = receiver
        self.name = receiver.name
        self.cfg = receiver.cfg
        self._outbox = outbox
        self._metrics = metrics
        self._clock = clock
        self._on_failed = on_failed
        self._rng = rng or random.Random()
        self._idle = idle_poll_s
        self._batch = max_batch(self.cfg)
        self.breaker = CircuitBreaker(self.cfg.circuit_failures, self.cfg.circuit_reset_s)
        self._bucket = (
            TokenBucket(self.cfg.rate_limit_per_minute, self.cfg.rate_limit_burst)
            if self.cfg.rate_limit_per_minute
            else None
        )
        self._hold_until = 0.0
        self._client: httpx.Client | None = None  # made on first send (TLS setup is slow)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._busy = threading.Lock()

    # -- one step
    def run_once(self) -> float | None:
        """Do at most one send; return seconds until there may be more work (None: idle)."""
        with self._busy:
            return self._run_once()

    def _run_once(self) -> float | None:
        now = self._clock()
        if now < self._hold_until:
            return self._hold_until - now
        if not self.breaker.allow(now):
            self._expire_stale(now)
            return max((self.breaker.retry_at() or now) - now, 0.0)
        batch = self._outbox.due(self.name, now, self._batch)
        if not batch:
            nxt = self._outbox.next_due(self.name)
            return None if nxt is None else max(nxt - now, 0.0)
        if self._bucket is not None:
            wait = self._bucket.take(now)
            if wait > 0:
                self._metrics.rate_limited.labels(self.name).inc()
                return wait
        if self._client is None and self.receiver.uses_http:
            self._client = httpx.Client(
                timeout=httpx.Timeout(self.cfg.timeout_s, connect=min(self.cfg.timeout_s, 5.0)),
                limits=httpx.Limits(max_connections=2, max_keepalive_connections=1),
                trust_env=False,
                follow_redirects=False,
            )
        try:
            result = self.receiver.send(batch, self._client)
        except Exception as exc:  # a bug or odd answer in a receiver must not kill the worker
            _log.exception("receiver_error", receiver=self.name)
            result = SendResult(False, "error", True, None, f"{type(exc).__name__}: {exc}")
        done = self._clock()
        self._metrics.attempts.labels(self.name, result.result).inc()
        if result.ok:
            self._outbox.mark_delivered(batch, done)
            self.breaker.success()
            self._metrics.circuit_open.labels(self.name).set(0)
            for n in batch:
                self._metrics.latency.labels(self.name).observe(max(done - n.enqueued_at, 0.0))
                self._metrics.notifications.labels(self.name, n.kind, "delivered").inc()
            _log.debug(
                "delivered",
                receiver=self.name,
                count=len(batch),
                kinds=sorted({n.kind for n in batch}),
            )
            return 0.0
        self._failed(batch, result, done)
        return 0.0

    def _failed(self, batch: list[Notification], result: SendResult, now: float) -> None:
        if result.result != "http_429":  # 429 = alive but busy: not a breaker failure
            self.breaker.failure(now)
            self._metrics.circuit_open.labels(self.name).set(1 if self.breaker.is_open else 0)
        if result.retry_after is not None:
            self._hold_until = now + result.retry_after
        retry: list[Notification] = []
        for n in batch:
            attempts = n.attempts + 1
            if (
                not result.retryable
                or attempts >= self.cfg.max_attempts
                or now - n.enqueued_at >= self.cfg.max_age_s
            ):
                _log.warning(
                    "delivery_failed",
                    receiver=self.name,
                    kind=n.kind,
                    dedup_key=n.dedup_key,
                    attempts=attempts,
                    error=result.error,
                )
                self._on_failed(n, result.error)
            else:
                retry.append(n)
        if retry:
            attempts = max(n.attempts for n in retry) + 1
            delay = backoff(attempts, self.cfg.backoff_initial_s, self.cfg.backoff_max_s, self._rng)
            if result.retry_after is not None:
                delay = result.retry_after
            self._outbox.mark_retry(retry, now + delay, result.error)
            _log.info(
                "delivery_retry",
                receiver=self.name,
                count=len(retry),
                attempts=attempts,
                delay_s=round(delay, 3),
                error=result.error,
            )

    def _expire_stale(self, now: float) -> None:
        """While the breaker is open, hand notifications past ``max_age_s`` to the fallback."""
        for n in self._outbox.due(self.name, now, 100):
            if now - n.enqueued_at >= self.cfg.max_age_s:
                self._on_failed(n, "circuit open past max_age_s")

    # -- thread
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=f"alerts-{self.name}", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                delay = self.run_once()
            except Exception:
                _log.exception("worker_error", receiver=self.name)
                delay = self._idle
            if delay is None:
                delay = self._idle
            if delay > 0:
                self._wake.wait(min(delay, self._idle))

    def drain(self, deadline: float, clock: Callable[[], float]) -> None:
        """Send what is due now until nothing is due or ``deadline`` (clock time) passes."""
        while clock() < deadline:
            delay = self.run_once()
            if delay is None or delay > 0:
                return

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._client is not None:
            self._client.close()
        self.receiver.close()
