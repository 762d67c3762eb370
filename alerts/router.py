"""The delivering sink: :class:`AlertRouter` routes alert events from the policy and delivers
them through the durable outbox.

>>> import tempfile, os
>>> from monitor.policy import parse_policy
>>> d = tempfile.mkdtemp()
>>> policy = parse_policy(f'''
... version: "1"
... domains: {{cyber: {{routes: [audit], severity: critical}}}}
... receivers: {{audit: {{type: jsonl, path: {d}/audit.jsonl}}}}
... ''')
>>> from prometheus_client import CollectorRegistry
>>> router = AlertRouter(policy, f"{d}/outbox.db", env={}, registry=CollectorRegistry())
>>> router.close()
"""

from __future__ import annotations

import fcntl
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import msgspec
import structlog
from prometheus_client import CollectorRegistry

from alerts.config import AlertingConfig, ReceiverConfig, load_alerting, load_receivers
from alerts.delivery import ReceiverWorker
from alerts.lifecycle import Lifecycle
from alerts.metrics import metrics_for
from alerts.outbox import Incident, Notification, Outbox
from alerts.receivers import build_receiver
from alerts.routing import RoutingTable
from alerts.silences import Silence, new_silence
from alerts.sinks import redact_event
from monitor.contract import AlertEvent
from monitor.policy import Policy

__all__ = ["AckMessage", "AlertRouter", "DeadLetter", "OutboxInUse"]

_log = structlog.get_logger("alerts.router")


class AckMessage(msgspec.Struct, frozen=True):
    """An acknowledgement as a message (e.g. from a chat bot or a Kafka topic)."""

    dedup_key: str
    by: str
    type: str = "ack"


_ack_decoder = msgspec.json.Decoder(AckMessage)


class DeadLetter(msgspec.Struct, frozen=True):
    """A notification that neither its receiver nor a fallback could take."""

    kind: str
    receiver: str
    notification: str
    dedup_key: str
    error: str
    alert: AlertEvent


class OutboxInUse(RuntimeError):
    """Another router (this process or another) already delivers from this outbox."""


def _lock_outbox(path: str | Path) -> int | None:
    """An exclusive ``flock`` on ``<outbox>.lock`` for the router's lifetime: two routers on
    one outbox would both send the same rows. Released by close() or by process death."""
    if str(path) == ":memory:":
        return None
    lock_path = Path(f"{path}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise OutboxInUse(
            f"{path}: outbox in use by another router; one router per outbox"
        ) from None
    return fd


class AlertRouter:
    """Route, group, mute, escalate and deliver alert events; implements ``AlertSink``.

    ``env`` holds the secrets the policy's receivers name; ``clock`` (epoch seconds) drives
    delivery timing only (alert times come from the samples). With ``start=False`` nothing
    runs in the background: drive it with :meth:`pump` (tests, replays with a fake clock).
    """

    def __init__(
        self,
        policy: Policy,
        outbox_path: str | Path,
        env: Mapping[str, str] = os.environ,
        clock: Callable[[], float] = time.time,
        *,
        registry: CollectorRegistry | None = None,
        kafka_producer: Any = None,
        journal: Any = None,
        start: bool = True,
        tick_interval_s: float | None = None,
        idle_poll_s: float = 0.5,
        rng: random.Random | None = None,
        synchronous: str = "FULL",
        journal_kinds: frozenset[str] = frozenset({"escalation"}),
    ) -> None:
        self.policy = policy
        self.configs: dict[str, ReceiverConfig] = load_receivers(policy, env)
        self.alerting: AlertingConfig = load_alerting(policy)
        self._clock = clock
        self._metrics = metrics_for(registry)
        self._journal = journal
        self._journal_kinds = journal_kinds
        self._lock_fd = _lock_outbox(outbox_path)
        self.outbox = Outbox(outbox_path, synchronous=synchronous)
        self._receivers = {
            name: build_receiver(
                name, cfg, env, kafka_producer=kafka_producer, refs=self.outbox, clock=clock
            )
            for name, cfg in self.configs.items()
        }
        orphaned = self.outbox.orphan(set(self.configs), clock())
        if orphaned:
            _log.error(
                "orphaned_notifications",
                count=orphaned,
                hint="pending notifications for receivers removed from the policy were "
                "dead-lettered; see AlertRouter.dead_letters()",
            )
        self.routing = RoutingTable(policy, self.configs)
        self._lifecycle = Lifecycle(
            self.outbox,
            self.routing,
            self._receivers,
            self.configs,
            self.alerting,
            self._metrics,
            on_record=self._record if hasattr(journal, "record") else None,
        )
        rng = rng or random.Random()
        self._workers = {
            name: ReceiverWorker(
                rec,
                self.outbox,
                self._metrics,
                clock=clock,
                on_failed=self._on_failed,
                rng=random.Random(rng.random()),
                idle_poll_s=idle_poll_s,
            )
            for name, rec in self._receivers.items()
        }
        self._lock = threading.RLock()
        self._tick_s = tick_interval_s or self.alerting.tick_interval_s
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._closed = False
        self._pruned_at = float("-inf")
        if start:
            self.start()

    # -- AlertSink
    def emit(self, event: AlertEvent) -> None:
        """Commit the event to the outbox (durable before return), then wake delivery."""
        if self._closed:
            raise RuntimeError("AlertRouter is closed")
        event = redact_event(event)
        with self._lock:
            changed = self._lifecycle.on_event(event, self._clock())
        if self._journal is not None and hasattr(self._journal, "emit"):
            self._journal.emit(event)
        if changed:
            self._wake()

    def close(self, timeout: float = 5.0) -> None:
        """Stop ticking, send what is due within ``timeout`` s, stop; the rest stays in the
        outbox for the next start."""
        if self._closed:
            return
        self._closed = True
        deadline = time.monotonic() + timeout
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout)
            # Workers are running: give them until the deadline to send what is due now.
            self._wake()
            self.wait_idle(max(deadline - time.monotonic(), 0.0))
        for worker in self._workers.values():
            worker.stop(timeout=max(deadline - time.monotonic(), 0.1))
        self.outbox.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    # -- background
    def start(self) -> None:
        for worker in self._workers.values():
            worker.start()
        self._ticker = threading.Thread(target=self._tick_loop, name="alerts-tick", daemon=True)
        self._ticker.start()

    def _tick_loop(self) -> None:
        while not self._stop.wait(self._tick_s):
            try:
                self.tick()
            except Exception:
                _log.exception("tick_failed")

    def _wake(self) -> None:
        for worker in self._workers.values():
            worker.wake()

    def tick(self) -> None:
        """Evaluate repeats, escalations and expired mutes now (and prune hourly)."""
        now = self._clock()
        with self._lock:
            self._lifecycle.tick(now)
        if now - self._pruned_at >= 3600:
            self._pruned_at = now
            removed = self.outbox.prune(now - self.alerting.retention_days * 86400)
            if removed:
                _log.info("outbox_pruned", rows=removed)
        counts = self.outbox.counts()
        for name in self._workers:
            self._metrics.pending.labels(name).set(counts.get((name, "pending"), 0))
        self._wake()

    def pump(self, rounds: int = 1000) -> int:
        """Manual mode: tick, then send everything due now; returns sends attempted."""
        self.tick()
        sent = 0
        for _ in range(rounds):
            progressed = False
            for worker in self._workers.values():
                if worker.run_once() == 0.0:
                    progressed = True
                    sent += 1
            if not progressed:
                break
        return sent

    def _record(self, record: msgspec.Struct) -> None:
        """Journal an escalation (and, if asked, acknowledgement / dead-letter) record."""
        if self._journal is None or not hasattr(self._journal, "record"):
            return
        if getattr(record, "kind", None) not in self._journal_kinds:
            return
        try:
            self._journal.record(record)
        except Exception:
            _log.exception("journal_failed")

    def _on_failed(self, n: Notification, error: str) -> None:
        now = self._clock()
        with self.outbox.transaction(durable=False) as tx:
            state, fallback = self._lifecycle.fallback_for(tx, n, now)
            self.outbox.mark_failed(tx, n, state, error, fallback, now)
        self._metrics.notifications.labels(n.receiver, n.kind, state).inc()
        if fallback is not None:
            _log.warning(
                "failed_over",
                receiver=n.receiver,
                fallback=fallback.receiver,
                kind=n.kind,
                dedup_key=n.dedup_key,
                error=error,
            )
            self._workers[fallback.receiver].wake()
        elif state == "dead":
            _log.error(
                "dead_letter", receiver=n.receiver, kind=n.kind, dedup_key=n.dedup_key, error=error
            )
            self._record(DeadLetter("dead_letter", n.receiver, n.kind, n.dedup_key, error, n.event))

    # -- acknowledgement, silences
    def acknowledge(self, dedup_key: str, by: str, via: str = "api") -> bool:
        """Acknowledge a firing incident: stops repeats and escalation. False if it is not
        firing (unknown, already acknowledged or resolved)."""
        with self._lock:
            done = self._lifecycle.acknowledge(dedup_key, by, via, self._clock())
        if done:
            self._wake()
        return done

    def handle_message(self, raw: bytes | str) -> bool:
        """Acknowledgement as a message: ``{"type": "ack", "dedup_key": ..., "by": ...}``."""
        try:
            msg = _ack_decoder.decode(raw)
        except msgspec.DecodeError as exc:
            _log.warning("bad_ack_message", error=str(exc))
            return False
        if msg.type != "ack":
            return False
        return self.acknowledge(msg.dedup_key, msg.by, via="message")

    def silence(
        self,
        matchers: Mapping[str, str | list[str]],
        duration_s: float,
        *,
        starts_at: float | None = None,
        created_by: str = "",
        comment: str = "",
    ) -> Silence:
        start = self._clock() if starts_at is None else starts_at
        s = new_silence(matchers, start, start + duration_s, created_by=created_by, comment=comment)
        self.outbox.add_silence(s)
        _log.info("silence_added", silence_id=s.id, matchers=s.matchers, ends_at=s.ends_at)
        return s

    def expire_silence(self, silence_id: str) -> bool:
        done = self.outbox.expire_silence(silence_id, self._clock())
        if done:
            self.tick()
        return done

    # -- inspection
    def incidents(self) -> list[Incident]:
        return self.outbox.active_incidents()

    def incident(self, dedup_key: str) -> Incident | None:
        with self.outbox.transaction() as tx:
            return self.outbox.incident(tx, dedup_key)

    def dead_letters(self) -> list[dict[str, Any]]:
        return self.outbox.dead_letters()

    def deliveries(
        self, receiver: str | None = None, state: str | None = None
    ) -> list[dict[str, Any]]:
        return self.outbox.deliveries(receiver, state)

    def wait_idle(self, timeout: float = 10.0, *, include_future: bool = False) -> bool:
        """Block until no notification is due (or pending, with ``include_future``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = self._clock()
            busy = False
            for name in self._workers:
                nxt = self.outbox.next_due(name)
                if nxt is not None and (include_future or nxt <= now):
                    busy = True
            if not busy:
                return True
            time.sleep(0.02)
        return False
