"""One call for the runner: the alert sink a policy and the command line ask for.

sink = build_alert_sink(policy, alerts_out=args.alerts_out, registry=registry)
...  # sink.emit(event) per alert event; sink.close() at the end
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import structlog
from prometheus_client import CollectorRegistry

from alerts.router import AlertRouter
from alerts.sinks import AlertSink, JsonlSink
from monitor.contract import AlertEvent
from monitor.policy import Policy

__all__ = ["DEFAULT_OUTBOX", "build_alert_sink"]

_log = structlog.get_logger("alerts.factory")

#: Where the outbox goes when neither ``outbox_path`` nor ``--alerts-out`` says.
DEFAULT_OUTBOX = Path(".state") / "alerts-outbox.db"


class _NullSink:
    def emit(self, event: AlertEvent) -> None:
        return

    def close(self) -> None:
        return


class _RouterWithJournal:
    """The router plus the JSONL journal it writes to; closing closes both."""

    def __init__(self, router: AlertRouter, journal: JsonlSink | None) -> None:
        self.router = router
        self.journal = journal

    def emit(self, event: AlertEvent) -> None:
        self.router.emit(event)

    def close(self) -> None:
        try:
            self.router.close()
        finally:
            if self.journal is not None:
                self.journal.close()


def build_alert_sink(
    policy: Policy,
    *,
    alerts_out: str | Path | None = None,
    outbox_path: str | Path | None = None,
    env: Mapping[str, str] = os.environ,
    clock: Callable[[], float] | None = None,
    registry: CollectorRegistry | None = None,
    kafka_producer: Any = None,
) -> AlertSink:
    """The sink for ``policy``:

    - no ``receivers`` in the policy: a :class:`JsonlSink` on ``alerts_out`` (or a no-op);
    - receivers: an :class:`AlertRouter` whose outbox is ``outbox_path`` (default: beside
      ``alerts_out``, else ``.state/alerts-outbox.db``), journaling alert events and
      escalation events (contract section 4) to ``alerts_out`` when given.

    Raises :class:`alerts.config.ConfigError` for an invalid receivers section or a missing
    environment variable: fail at start, not at the first page.
    """
    journal = JsonlSink(alerts_out) if alerts_out else None
    if not policy.receivers:
        if policy.domains and any(d.routes for d in policy.domains.values()):
            _log.info(
                "no_receivers",
                hint="policy routes name receivers but none are defined; "
                "alerts go to --alerts-out only",
            )
        return journal if journal is not None else _NullSink()
    if outbox_path is None:
        outbox_path = (
            Path(alerts_out).with_name("alerts-outbox.db") if alerts_out else DEFAULT_OUTBOX
        )
    kwargs: dict[str, Any] = {
        "registry": registry,
        "kafka_producer": kafka_producer,
        "journal": journal,
    }
    if clock is not None:
        kwargs["clock"] = clock
    try:
        router = AlertRouter(policy, outbox_path, env, **kwargs)
    except BaseException:
        if journal is not None:
            journal.close()
        raise
    return _RouterWithJournal(router, journal)
