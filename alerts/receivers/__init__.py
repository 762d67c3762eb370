"""Receivers: one module per destination. :func:`build_receiver` makes one from its config."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from alerts.config import ConfigError, ReceiverConfig
from alerts.receivers.base import Receiver, SendResult


def build_receiver(
    name: str,
    cfg: ReceiverConfig,
    env: Mapping[str, str],
    *,
    kafka_producer: Any = None,
    refs: Any = None,
    clock: Callable[[], float],
) -> Receiver:
    if cfg.type == "alertmanager":
        from alerts.receivers.alertmanager import AlertmanagerReceiver as cls
    elif cfg.type == "pagerduty":
        from alerts.receivers.pagerduty import PagerDutyReceiver as cls
    elif cfg.type == "slack":
        from alerts.receivers.slack import SlackReceiver as cls
    elif cfg.type == "jira":
        from alerts.receivers.jira import JiraReceiver as cls
    elif cfg.type == "webhook":
        from alerts.receivers.webhook import WebhookReceiver as cls
    elif cfg.type == "jsonl":
        from alerts.receivers.jsonl import JsonlReceiver as cls
    elif cfg.type == "kafka":
        from alerts.receivers.kafka import KafkaReceiver

        if kafka_producer is None:
            raise ConfigError(
                f"receiver {name!r} is of type kafka: pass kafka_producer= to AlertRouter "
                "(an object with send(topic, key: bytes, value: bytes))"
            )
        return KafkaReceiver(name, cfg, env, clock=clock, producer=kafka_producer)
    else:  # pragma: no cover - the schema forbids it
        raise ConfigError(f"unknown receiver type {cfg.type!r}")
    return cls(name, cfg, env, clock=clock, refs=refs)


__all__ = ["Receiver", "SendResult", "build_receiver"]
