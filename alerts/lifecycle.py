"""The incident lifecycle: firing -> (acknowledged) -> resolved, and what to notify when.

State lives in the outbox, so the lifecycle survives restarts. Per incident (``dedup_key``;
a fire after a resolve opens a new *epoch* of the same key):

- a firing event opens the incident (or refreshes it) and notifies tier 0 of its routes,
  unless a silence, a maintenance window or an inhibiting alert mutes it (re-evaluated on
  every tick: when the mute ends and the alert still fires, it is notified then);
- while firing, a receiver is re-notified every ``repeat_interval_s`` (Alertmanager
  receivers are re-sent to while active, acknowledged or not, as its API expects);
- a critical incident not acknowledged within the domain's ``escalation_window_s`` (counted
  from its first notification, then per tier) escalates to the next tier: an
  :class:`EscalationEvent` of its own (journaled, counted, logged) and an ``escalate``
  notification to the next tier's receivers;
- an acknowledgement stops repeats and escalation and tells receivers that understand it;
- a resolve goes to every receiver that was told about the incident, muted or not.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping

import msgspec
import structlog

from alerts.config import (
    AlertingConfig,
    ReceiverConfig,
    group_by,
    group_interval,
    group_wait,
    repeat_interval,
)
from alerts.inhibition import inhibited
from alerts.matching import matches
from alerts.metrics import AlertMetrics
from alerts.outbox import Incident, Notification, Outbox, idempotency_key
from alerts.receivers.base import Receiver
from alerts.routing import RoutingTable, alert_labels, iso
from alerts.silences import Silence, suppression_reason
from monitor.contract import AlertEvent

__all__ = ["AckEvent", "EscalationEvent", "Lifecycle"]

_log = structlog.get_logger("alerts.lifecycle")


class EscalationEvent(msgspec.Struct, omit_defaults=True):
    """An escalation, as an event of its own (journaled next to the alert events)."""

    kind: str
    dedup_key: str
    alert_id: str
    severity: str
    rule: str
    metric: str
    tier: int
    receivers: list[str]
    escalated_at: str
    unacknowledged_for_s: float
    alert: AlertEvent


class AckEvent(msgspec.Struct, omit_defaults=True):
    kind: str
    dedup_key: str
    acknowledged_by: str
    via: str
    acknowledged_at: str


class Lifecycle:
    def __init__(
        self,
        outbox: Outbox,
        routing: RoutingTable,
        receivers: Mapping[str, Receiver],
        configs: Mapping[str, ReceiverConfig],
        alerting: AlertingConfig,
        metrics: AlertMetrics,
        *,
        on_record: Callable[[msgspec.Struct], None] | None = None,
    ) -> None:
        self._outbox = outbox
        self._routing = routing
        self._receivers = receivers
        self._configs = configs
        self._alerting = alerting
        self._metrics = metrics
        self._on_record = on_record
        self._pending_records: list[msgspec.Struct] = []
        # Labels of active incidents (for inhibition), kept in step with the outbox.
        self._active: dict[str, dict[str, str]] = outbox.active_labels()

    # -- entry points (each one transaction)
    def on_event(self, event: AlertEvent, now: float) -> bool:
        """Apply a firing or resolved event; True if it changed what receivers are told."""
        labels = alert_labels(event)
        self._metrics.events.labels(event.status, event.rule, event.severity).inc()
        # A refresh of an incident already firing changes no state a receiver depends on:
        # no fsync for it (a new incident, a severity change and a resolve get one).
        current = self._active.get(event.dedup_key)
        refresh = (
            event.status == "firing"
            and current is not None
            and current.get("severity") == event.severity
        )
        with self._outbox.transaction(durable=not refresh) as tx:
            self._outbox.append_event(tx, event.status, event.dedup_key, now, event)
            inc = self._outbox.incident(tx, event.dedup_key)
            if event.status == "firing":
                if inc is None or not inc.active:
                    epoch = inc.epoch + 1 if inc is not None else 1
                    inc = Incident(
                        event.dedup_key,
                        "firing",
                        epoch,
                        event.severity,
                        labels,
                        event,
                        now,
                        None,
                        None,
                        None,
                        0,
                        None,
                        None,
                    )
                else:
                    inc.event, inc.labels, inc.severity = event, labels, event.severity
                self._outbox.save_incident(tx, inc, now)
                self._active[inc.dedup_key] = labels
                silences = self._outbox.silences(now)
                changed = self._evaluate(
                    tx, inc, now, list(self._active.values()), silences, count_suppressed=True
                )
            else:
                if inc is None or not inc.active:
                    _log.info("resolve_without_incident", dedup_key=event.dedup_key)
                    return False
                inc.status, inc.resolved_at, inc.event = "resolved", now, event
                self._outbox.save_incident(tx, inc, now)
                self._active.pop(inc.dedup_key, None)
                for receiver, (tier, *_rest) in self._outbox.notified(
                    tx, inc.dedup_key, inc.epoch
                ).items():
                    self._enqueue(tx, inc, receiver, "resolve", 0, tier, now)
                # A resolved source may release inhibited alerts: re-evaluate those.
                released = [
                    k
                    for k, lab in self._active.items()
                    if any(matches(r.target, lab) for r in self._alerting.inhibit_rules)
                ]
                if released:
                    silences = self._outbox.silences(now)
                    active = list(self._active.values())
                    for key in released:
                        other = self._outbox.incident(tx, key)
                        if other is not None:
                            self._evaluate(tx, other, now, active, silences)
                changed = True
        self._flush_records()
        return changed

    def tick(self, now: float) -> None:
        """Repeats, escalations, expired mutes; called periodically."""
        with self._outbox.transaction(durable=False) as tx:
            self._evaluate_all(tx, now)
        self._flush_records()

    def acknowledge(self, dedup_key: str, by: str, via: str, now: float) -> bool:
        with self._outbox.transaction() as tx:
            inc = self._outbox.incident(tx, dedup_key)
            if inc is None or inc.status != "firing":
                return False
            inc.status, inc.acked_at, inc.acked_by = "acknowledged", now, by
            self._outbox.save_incident(tx, inc, now)
            record = AckEvent("acknowledgement", dedup_key, by, via, iso(now))
            self._outbox.append_event(tx, "ack", dedup_key, now, record)
            for receiver, (tier, *_rest) in self._outbox.notified(tx, dedup_key, inc.epoch).items():
                self._enqueue(tx, inc, receiver, "ack", 0, tier, now)
        self._metrics.acks.labels(via).inc()
        self._pending_records.append(record)
        self._flush_records()
        _log.info("acknowledged", dedup_key=dedup_key, by=by, via=via)
        return True

    # -- internals
    def _flush_records(self) -> None:
        records, self._pending_records = self._pending_records, []
        if self._on_record is not None:
            for record in records:
                try:
                    self._on_record(record)
                except Exception:
                    _log.exception("journal_failed")

    def _evaluate_all(self, tx: sqlite3.Connection, now: float) -> None:
        incidents = self._outbox.active_incidents(tx)
        self._active = {i.dedup_key: i.labels for i in incidents}
        self._metrics.active.set(len(incidents))
        if not incidents:
            return
        silences = self._outbox.silences(now)
        active = [i.labels for i in incidents]
        for inc in incidents:
            self._evaluate(tx, inc, now, active, silences)

    def _mute_reason(
        self, inc: Incident, now: float, active: list[dict[str, str]], silences: list[Silence]
    ) -> str | None:
        reason = suppression_reason(inc.labels, now, silences, self._alerting.maintenance_windows)
        if reason is None and inhibited(inc.labels, active, self._alerting.inhibit_rules):
            reason = "inhibited"
        return reason

    def _evaluate(
        self,
        tx: sqlite3.Connection,
        inc: Incident,
        now: float,
        active: list[dict[str, str]],
        silences: list[Silence],
        *,
        count_suppressed: bool = False,
    ) -> bool:
        if not inc.active:
            return False
        tiers = self._routing.tiers(inc.labels)
        if not tiers:
            return False
        reason = self._mute_reason(inc, now, active, silences)
        notified = self._outbox.notified(tx, inc.dedup_key, inc.epoch)
        changed = False
        dirty = False
        if (
            inc.severity == "critical"
            and inc.status == "firing"
            and reason is None
            and inc.notified_at is not None
            and inc.tier + 1 < len(tiers)
        ):
            window = self._routing.escalation_window(inc.labels)
            since = inc.tier_at or inc.notified_at
            if now - since >= window:
                inc.tier += 1
                inc.tier_at = now
                dirty = True
                record = EscalationEvent(
                    "escalation",
                    inc.dedup_key,
                    inc.event.alert_id,
                    inc.severity,
                    inc.event.rule,
                    inc.event.metric,
                    inc.tier,
                    list(tiers[inc.tier]),
                    iso(now),
                    round(now - inc.notified_at, 3),
                    inc.event,
                )
                self._outbox.append_event(tx, "escalation", inc.dedup_key, now, record)
                self._pending_records.append(record)
                self._metrics.escalations.labels(inc.severity).inc()
                _log.warning(
                    "escalated", dedup_key=inc.dedup_key, tier=inc.tier, receivers=tiers[inc.tier]
                )
        if reason is not None and count_suppressed:
            self._metrics.suppressed.labels(reason, inc.event.rule).inc()
            _log.info("muted", dedup_key=inc.dedup_key, reason=reason)
        for tier_no in range(min(inc.tier, len(tiers) - 1) + 1):
            for receiver in tiers[tier_no]:
                if receiver not in self._receivers:
                    continue
                cfg = self._configs[receiver]
                if receiver not in notified:
                    if reason is not None:
                        continue
                    kind = "trigger" if tier_no == 0 else "escalate"
                    if self._enqueue(tx, inc, receiver, kind, 0, tier_no, now):
                        changed = True
                    self._outbox.mark_notified(
                        tx, inc.dedup_key, inc.epoch, receiver, tier_no, now, 0
                    )
                    notified[receiver] = (tier_no, now, now, 0)
                    if inc.notified_at is None:
                        inc.notified_at = now
                        dirty = True
                    continue
                tier, _first, last_at, repeats = notified[receiver]
                interval = repeat_interval(cfg)
                resend = cfg.type == "alertmanager"
                if (
                    interval > 0
                    and now - last_at >= interval
                    and (resend or (inc.status == "firing" and reason is None))
                    and self._receivers[receiver].accepts("repeat")
                    and not self._outbox.has_pending(tx, receiver, inc.dedup_key)
                ):
                    self._enqueue(tx, inc, receiver, "repeat", repeats + 1, tier, now)
                    self._outbox.mark_notified(
                        tx, inc.dedup_key, inc.epoch, receiver, tier, now, repeats + 1
                    )
                    changed = True
        if dirty:
            self._outbox.save_incident(tx, inc, now)
        return changed

    def _enqueue(
        self,
        tx: sqlite3.Connection,
        inc: Incident,
        receiver: str,
        kind: str,
        seq: int,
        tier: int,
        now: float,
    ) -> bool:
        rec = self._receivers.get(receiver)
        if rec is None or not rec.accepts(kind):
            return False
        cfg = self._configs[receiver]
        group_values = [inc.labels.get(label, "") for label in group_by(cfg)]
        group_key = receiver + "|" + "|".join(group_values)
        if kind in ("repeat", "ack"):
            next_at = now
        else:
            next_at = self._outbox.group_due(
                tx, receiver, group_key, now, group_wait(cfg), group_interval(cfg)
            )
        n = Notification(
            receiver=receiver,
            kind=kind,
            dedup_key=inc.dedup_key,
            epoch=inc.epoch,
            seq=seq,
            idempotency_key=idempotency_key(receiver, inc.dedup_key, inc.epoch, kind, seq),
            group_key=group_key,
            event=inc.event,
            links=self._routing.links(inc.event),
            tier=tier,
            acked_by=inc.acked_by,
            fired_at=inc.fired_at,
            enqueued_at=now,
        )
        inserted = self._outbox.enqueue(tx, n, next_at)
        if inserted:
            self._metrics.enqueued.labels(receiver, kind).inc()
        return inserted

    def fallback_for(
        self, tx: sqlite3.Connection, n: Notification, now: float
    ) -> tuple[str, Notification | None]:
        """Where an undeliverable ``n`` goes: ``("failed_over", notification for the
        fallback receiver)``, ``("failed_over", None)`` when the fallback already has its own
        copy, or ``("dead", None)``."""
        target = self._configs[n.receiver].fallback
        if (
            target is None
            or target == n.receiver
            or target == n.origin
            or target not in self._receivers
            or not self._receivers[target].accepts(n.kind)
        ):
            return "dead", None
        if n.kind != "ack" and target in self._outbox.notified(tx, n.dedup_key, n.epoch):
            # The fallback already knows this incident (routed there directly, or an earlier
            # failover): it gets its own repeats and resolve; a copy would be a duplicate.
            return "failed_over", None
        kind_at = f"{n.kind}@{n.origin or n.receiver}"
        return "failed_over", msgspec.structs.replace(
            n,
            receiver=target,
            origin=n.origin or n.receiver,
            id=0,
            attempts=0,
            idempotency_key=idempotency_key(target, n.dedup_key, n.epoch, kind_at, n.seq),
            group_key=f"{target}|fallback",
            enqueued_at=now,
        )
