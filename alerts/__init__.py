"""Alerting: routing, lifecycle and delivery of alert events that a pager team can trust.

Public API (everything else is internal):

- :class:`alerts.sinks.AlertSink` -- the seam with the core: ``emit(event)``, ``close()``.
- :class:`alerts.sinks.JsonlSink` -- ``--alerts-out FILE``: one JSON line per event.
- :class:`alerts.router.AlertRouter` -- the delivering sink: routes by the policy, groups,
  mutes (silences, maintenance windows, inhibition), escalates, and delivers through a
  durable SQLite outbox with retries, backoff, ``Retry-After``, timeouts, circuit breakers,
  rate limits, fallbacks, dead letters and idempotency keys. Also ``acknowledge``,
  ``handle_message`` (acknowledgement as a message), ``silence``, ``expire_silence``.
- :func:`alerts.factory.build_alert_sink` -- what the runner calls with the policy and
  ``--alerts-out``; returns a JsonlSink when the policy has no receivers.
- :class:`alerts.ack_api.AckServer` -- acknowledgement / silences over HTTP (bearer token).
- :func:`alerts.redact.redact` -- personal data and secrets out of evidence excerpts.
- :mod:`alerts.webhook_verify` -- for receivers of the signed webhook: ``WebhookVerifier``.
- :mod:`alerts.config` -- the policy's ``receivers`` and ``alerting`` schema (``ConfigError``).

Module map: ``config`` (schema), ``routing`` (tree by domain and severity, escalation
tiers, links), ``matching``/``silences``/``inhibition`` (muting), ``lifecycle`` (incident
state machine, repeats, escalation, acknowledgement), ``outbox`` (SQLite WAL),
``delivery`` (per-receiver workers), ``ratelimit``, ``circuit``, ``metrics``,
``receivers/*`` (alertmanager, pagerduty, slack, jira, webhook, kafka, jsonl).
"""
