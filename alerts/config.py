"""Schema of the policy's ``receivers`` and ``alerting`` sections, validated with clear errors.

Secrets never live in the policy: a receiver names the *environment variable* that holds
its key (``routing_key_env``, ``webhook_url_env``, ``secret_env``, ...). Example::

    receivers:
      safety-oncall:
        type: pagerduty
        routing_key_env: SM_PAGERDUTY_ROUTING_KEY
        severities: [critical, high]          # routing by severity (default: all)
        escalate_to: safety-oncall-secondary  # next tier for unacknowledged critical alerts
        fallback: safety-oncall-slack         # takes what this receiver cannot deliver
      _jira_defaults: &jira                   # names starting with `_` are templates
        type: jira
        base_url: https://example.atlassian.net
        email_env: SM_JIRA_EMAIL
        api_token_env: SM_JIRA_API_TOKEN
      cyber-policy-tickets:
        <<: *jira
        project_key: CYB
    alerting:
      inhibit_rules:
        - source: {rule: posture_breach}
          target: {rule: posture_shift}
          equal: [domain, model, surface]
      maintenance_windows:
        - name: canary rollout
          starts_at: 2026-11-28T10:00:00Z
          ends_at: 2026-11-28T12:00:00Z
          matchers: {model: model-2026-06-01}
      ack: {token_env: SAFETY_MONITOR_ACK_TOKEN}
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from monitor.policy import SEVERITIES, Policy

__all__ = [
    "LABELS",
    "AlertingConfig",
    "ConfigError",
    "InhibitRule",
    "MaintenanceWindow",
    "ReceiverConfig",
    "load_alerting",
    "load_receivers",
]

ReceiverType = Literal["alertmanager", "pagerduty", "slack", "jira", "webhook", "kafka", "jsonl"]

#: Labels an alert carries for routing, grouping, silences and inhibition.
LABELS: tuple[str, ...] = ("domain", "model", "surface", "metric", "rule", "severity", "dedup_key")


class ConfigError(ValueError):
    """Invalid ``receivers``/``alerting`` section or missing environment; says where."""


class ReceiverConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    type: ReceiverType
    # -- routing and lifecycle
    severities: list[str] | None = None
    escalate_to: str | None = None
    fallback: str | None = None
    group_by: list[str] | None = None
    group_wait_s: float | None = None
    group_interval_s: float | None = None
    repeat_interval_s: float | None = None
    max_batch: int | None = None
    # -- delivery
    timeout_s: float = 10.0
    max_attempts: int = 12
    max_age_s: float = 3600.0
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 300.0
    rate_limit_per_minute: float | None = None
    rate_limit_burst: int | None = None
    circuit_failures: int = 5
    circuit_reset_s: float = 30.0
    # -- per type (see _REQUIRED)
    url: str | None = None
    base_url: str | None = None
    routing_key_env: str | None = None
    webhook_url_env: str | None = None
    secret_env: str | None = None
    bearer_token_env: str | None = None
    email_env: str | None = None
    api_token_env: str | None = None
    project_key: str | None = None
    issue_type: str = "Task"
    priorities: dict[str, str] | None = None
    topic: str | None = None
    path: str | None = None
    resend_interval_s: float | None = None
    headers: dict[str, str] | None = None


_REQUIRED: dict[str, tuple[str, ...]] = {
    "alertmanager": ("url",),
    "pagerduty": ("routing_key_env",),
    "slack": ("webhook_url_env",),
    "jira": ("base_url", "project_key", "email_env", "api_token_env"),
    "webhook": ("url", "secret_env"),
    "kafka": ("topic",),
    "jsonl": ("path",),
}

# Keys that people put secrets in; refused with a pointer to the *_env form.
_SECRET_KEYS = {
    "routing_key": "routing_key_env",
    "integration_key": "routing_key_env",
    "webhook_url": "webhook_url_env",
    "secret": "secret_env",
    "token": "api_token_env",
    "api_token": "api_token_env",
    "password": "api_token_env",
    "bearer_token": "bearer_token_env",
}

_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key"}

# Defaults per type: (group_wait_s, group_interval_s, repeat_interval_s, max_batch).
# Alertmanager groups by itself and needs alerts re-sent while active; PagerDuty
# re-notifies by itself (its own escalation policies): no repeats from us.
_TYPE_DEFAULTS: dict[str, tuple[float, float, float, int]] = {
    "alertmanager": (0.0, 0.0, 60.0, 64),
    "pagerduty": (0.0, 0.0, 0.0, 1),
    "slack": (30.0, 300.0, 4 * 3600.0, 20),
    "jira": (30.0, 300.0, 0.0, 1),
    "webhook": (30.0, 300.0, 4 * 3600.0, 1),
    "kafka": (0.0, 0.0, 0.0, 1),
    "jsonl": (0.0, 0.0, 0.0, 1),
}

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def group_wait(cfg: ReceiverConfig) -> float:
    return cfg.group_wait_s if cfg.group_wait_s is not None else _TYPE_DEFAULTS[cfg.type][0]


def group_interval(cfg: ReceiverConfig) -> float:
    if cfg.group_interval_s is not None:
        return cfg.group_interval_s
    return _TYPE_DEFAULTS[cfg.type][1]


def repeat_interval(cfg: ReceiverConfig) -> float:
    """Seconds between re-notifications while firing; 0 = never repeat."""
    if cfg.type == "alertmanager":
        return cfg.resend_interval_s or cfg.repeat_interval_s or _TYPE_DEFAULTS["alertmanager"][2]
    if cfg.repeat_interval_s is not None:
        return cfg.repeat_interval_s
    return _TYPE_DEFAULTS[cfg.type][2]


def max_batch(cfg: ReceiverConfig) -> int:
    return cfg.max_batch if cfg.max_batch is not None else _TYPE_DEFAULTS[cfg.type][3]


def group_by(cfg: ReceiverConfig) -> tuple[str, ...]:
    return tuple(cfg.group_by) if cfg.group_by is not None else ("domain", "rule")


class InhibitRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    source: dict[str, str | list[str]]
    target: dict[str, str | list[str]]
    equal: list[str] = msgspec.field(default_factory=lambda: ["domain", "model", "surface"])


class MaintenanceWindow(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    starts_at: dt.datetime
    ends_at: dt.datetime
    name: str = "maintenance"
    matchers: dict[str, str | list[str]] = msgspec.field(default_factory=dict)


class AckConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    token_env: str = "SAFETY_MONITOR_ACK_TOKEN"


class AlertingConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    inhibit_rules: list[InhibitRule] = msgspec.field(
        default_factory=lambda: [
            InhibitRule(source={"rule": "posture_breach"}, target={"rule": "posture_shift"})
        ]
    )
    maintenance_windows: list[MaintenanceWindow] = msgspec.field(default_factory=list)
    ack: AckConfig = AckConfig()
    #: Seconds between lifecycle evaluations (repeats, escalations, silence expiry).
    tick_interval_s: float = 1.0
    #: Days the outbox keeps finished notifications and journal events (dead letters stay).
    retention_days: float = 7.0


def _where(policy: Policy, *path: object) -> str:
    return f"{policy.source or '<policy>'}: {'.'.join(str(p) for p in path)}"


def load_receivers(policy: Policy, env: Mapping[str, str]) -> dict[str, ReceiverConfig]:
    """Validate ``policy.receivers``; every ``*_env`` must name a set environment variable."""
    out: dict[str, ReceiverConfig] = {}
    for name, body in policy.receivers.items():
        if name.startswith("_"):
            continue  # a template for YAML anchors (e.g. `_jira_defaults: &jira`), not a receiver
        if not isinstance(body, dict):
            raise ConfigError(f"{_where(policy, 'receivers', name)}: a receiver is a mapping")
        for key, env_key in _SECRET_KEYS.items():
            if key in body:
                raise ConfigError(
                    f"{_where(policy, 'receivers', name, key)}: secrets never go in the policy; "
                    f"set `{env_key}` to the name of an environment variable instead"
                )
        try:
            cfg = msgspec.convert(body, ReceiverConfig, str_keys=True)
        except msgspec.ValidationError as exc:
            raise ConfigError(f"{_where(policy, 'receivers', name)}: {exc}") from None
        missing = [f for f in _REQUIRED[cfg.type] if not getattr(cfg, f)]
        if missing:
            raise ConfigError(
                f"{_where(policy, 'receivers', name)}: a {cfg.type} receiver needs "
                + ", ".join(f"`{m}`" for m in missing)
            )
        for sev in cfg.severities or []:
            if sev not in SEVERITIES:
                raise ConfigError(
                    f"{_where(policy, 'receivers', name, 'severities')}: unknown severity "
                    f"{sev!r} (one of {', '.join(SEVERITIES)})"
                )
        for label in cfg.group_by or []:
            if label not in LABELS:
                raise ConfigError(
                    f"{_where(policy, 'receivers', name, 'group_by')}: unknown label {label!r} "
                    f"(one of {', '.join(LABELS)})"
                )
        for ref in ("escalate_to", "fallback"):
            target = getattr(cfg, ref)
            if target is not None and (
                target not in policy.receivers or target == name or target.startswith("_")
            ):
                raise ConfigError(
                    f"{_where(policy, 'receivers', name, ref)}: {target!r} names no other receiver"
                )
        for key in ("url", "base_url"):
            value = getattr(cfg, key)
            if value and not value.startswith(("http://", "https://")):
                raise ConfigError(f"{_where(policy, 'receivers', name, key)}: not an http(s) URL")
        for header in cfg.headers or {}:
            if header.lower() in _SECRET_HEADERS or "token" in header.lower():
                raise ConfigError(
                    f"{_where(policy, 'receivers', name, 'headers', header)}: credentials never "
                    "go in the policy; use `bearer_token_env` or `secret_env`"
                )
        for field in cfg.__struct_fields__:
            if field.endswith("_env") and (value := getattr(cfg, field)):
                if not _ENV_NAME.match(value):
                    raise ConfigError(
                        f"{_where(policy, 'receivers', name, field)}: {value!r} is not an "
                        "environment variable name"
                    )
                if not env.get(value):
                    raise ConfigError(
                        f"{_where(policy, 'receivers', name, field)}: environment variable "
                        f"{value} is not set"
                    )
        for attr in ("timeout_s", "max_age_s", "backoff_initial_s", "backoff_max_s"):
            if getattr(cfg, attr) <= 0:
                raise ConfigError(f"{_where(policy, 'receivers', name, attr)}: must be > 0")
        if cfg.max_attempts < 1 or cfg.circuit_failures < 1:
            raise ConfigError(
                f"{_where(policy, 'receivers', name)}: max_attempts and circuit_failures >= 1"
            )
        out[name] = cfg
    _check_cycles(policy, out)
    return out


def _check_cycles(policy: Policy, receivers: dict[str, ReceiverConfig]) -> None:
    for ref in ("escalate_to", "fallback"):
        for start in receivers:
            seen = {start}
            node = getattr(receivers[start], ref)
            while node is not None:
                if node in seen:
                    raise ConfigError(
                        f"{_where(policy, 'receivers', start, ref)}: the {ref} chain loops "
                        f"back to {node!r}"
                    )
                seen.add(node)
                node = getattr(receivers[node], ref)


def load_alerting(policy: Policy) -> AlertingConfig:
    """Validate ``policy.alerting`` (every key optional)."""
    try:
        cfg = msgspec.convert(policy.alerting or {}, AlertingConfig, str_keys=True)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{_where(policy, 'alerting')}: {exc}") from None
    for i, rule in enumerate(cfg.inhibit_rules):
        for label in [*rule.source, *rule.target, *rule.equal]:
            if label not in LABELS:
                raise ConfigError(
                    f"{_where(policy, 'alerting', 'inhibit_rules', i)}: unknown label {label!r}"
                )
    for i, window in enumerate(cfg.maintenance_windows):
        if window.starts_at.tzinfo is None or window.ends_at.tzinfo is None:
            raise ConfigError(
                f"{_where(policy, 'alerting', 'maintenance_windows', i)}: times need a timezone"
            )
        if window.ends_at <= window.starts_at:
            raise ConfigError(
                f"{_where(policy, 'alerting', 'maintenance_windows', i)}: ends_at before starts_at"
            )
        for label in window.matchers:
            if label not in LABELS:
                raise ConfigError(
                    f"{_where(policy, 'alerting', 'maintenance_windows', i)}: "
                    f"unknown label {label!r}"
                )
    if cfg.retention_days <= 0:
        raise ConfigError(f"{_where(policy, 'alerting', 'retention_days')}: must be > 0")
    if cfg.tick_interval_s <= 0:
        raise ConfigError(f"{_where(policy, 'alerting', 'tick_interval_s')}: must be > 0")
    return cfg


def resolve_secret(cfg: ReceiverConfig, field: str, env: Mapping[str, str]) -> str:
    """The secret that ``cfg.<field>`` names (validated present by :func:`load_receivers`)."""
    name = getattr(cfg, field)
    if not name:
        return ""
    value = env.get(name)
    if not value:
        raise ConfigError(f"environment variable {name} is not set")
    return value


def dump(cfg: Any) -> Any:
    return msgspec.to_builtins(cfg)
