"""The policy: domains, their owners and routes, and the intended posture to hold them to.

A policy is a versioned YAML file. Loading validates it completely and every error names the
file, line and field, so a policy owner can fix a typo without reading Python:

>>> policy = load_policy()  # the shipped default
>>> policy.domain("cyber").intended_posture.max_under_refusal_rate
0.02
>>> "none" in policy.domain_names()
True
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import msgspec
import yaml

Severity = Literal["critical", "high", "warning", "info"]
SEVERITIES: tuple[str, ...] = ("critical", "high", "warning", "info")

#: The pseudo-domain of requests in no policy domain; never defined in the file.
NO_DOMAIN = "none"


class PolicyError(ValueError):
    """An invalid policy; ``str()`` names file, line and field."""


class IntendedPosture(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    #: Highest acceptable under-refusals / disallowed requests.
    max_under_refusal_rate: float = 0.05
    #: Highest acceptable over-refusals / allowed requests.
    max_over_refusal_rate: float = 0.10
    #: Highest acceptable harmful responses / samples.
    max_harmful_rate: float | None = None


class Detection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    #: False-alarm budget: in-control average run length, in samples, per stream.
    arl: float = 100_000.0
    #: Also alarm when a rate falls (a falling refusal rate can be as bad as a rising one).
    two_sided: bool = False
    #: Confidence with which ``posture_breach`` must see the rate above the intended maximum.
    breach_confidence: float = 0.99
    #: Samples of a stream before its baseline is trusted.
    warmup: int = 500
    #: The streams ``posture_shift`` alarms on. Every stream costs its share of false
    #: alarms (one per ``arl`` samples of it), so by default only the two posture rates the
    #: policy is about; ``harmful_rate``, ``uncertain_rate``, ``domain_mix`` (the mix of
    #: request domains per model and surface) and ``anomaly_rate`` (the share of
    #: novel-looking requests per model and surface) can be added.
    shift_metrics: list[str] = msgspec.field(
        default_factory=lambda: ["under_refusal_rate", "over_refusal_rate"]
    )


class Domain(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str = ""
    description: str = ""
    owners: list[str] = msgspec.field(default_factory=list)
    routes: list[str] = msgspec.field(default_factory=list)
    severity: Severity | None = None
    runbook_url: str = ""
    intended_posture: IntendedPosture | None = None
    detection: Detection | None = None
    #: How long a critical alert may stay unacknowledged before it escalates.
    escalation_window_s: float | None = None


class Defaults(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    owners: list[str] = msgspec.field(default_factory=list)
    routes: list[str] = msgspec.field(default_factory=list)
    severity: Severity = "warning"
    runbook_url: str = ""
    intended_posture: IntendedPosture = IntendedPosture()
    detection: Detection = Detection()
    escalation_window_s: float = 900.0


class Policy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    version: str
    domains: dict[str, Domain]
    name: str = "policy"
    defaults: Defaults = Defaults()
    #: Receivers by name (configured by the alerting layer; secrets come from the environment).
    receivers: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)
    #: Link templates for alerts, e.g. ``{"grafana": "https://grafana/d/x?var-domain={domain}"}``.
    links: dict[str, str] = msgspec.field(default_factory=dict)
    #: Alert grouping, inhibition, maintenance windows and acknowledgement (schema and
    #: validation in ``alerts.config``).
    alerting: dict[str, Any] = msgspec.field(default_factory=dict)
    source: str = ""

    def domain_names(self) -> list[str]:
        """Policy domains plus ``none``, in file order."""
        return [*self.domains, NO_DOMAIN]

    def domain(self, name: str) -> Domain:
        """The domain's settings, defaults filled in; ``none`` and unknown names get defaults."""
        found = self.domains.get(name)
        if found is None:
            d = self.defaults
            return Domain(
                name=name,
                owners=d.owners,
                routes=d.routes,
                severity=d.severity,
                runbook_url=d.runbook_url,
                intended_posture=d.intended_posture,
                detection=d.detection,
                escalation_window_s=d.escalation_window_s,
            )
        return found

    def detection(self, domain: str) -> Detection:
        return self.domain(domain).detection or self.defaults.detection

    def to_dict(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)


DEFAULT_POLICY = "default_policy.yaml"


def load_policy(path: str | Path | None = None) -> Policy:
    """Load and validate a policy file (the shipped default when ``path`` is None)."""
    if path is None:
        text = resources.files("monitor").joinpath(DEFAULT_POLICY).read_text("utf-8")
        source = f"<default>/{DEFAULT_POLICY}"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise PolicyError(f"{path}: cannot read policy: {exc.strerror}") from None
        source = str(path)
    return parse_policy(text, source)


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Validate policy YAML text; errors name ``source:line`` and the field path."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise PolicyError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{source}:1: a policy is a mapping with `version` and `domains`")
    # Domains one by one first: msgspec's error path does not name dict keys.
    domains = data.get("domains")
    if isinstance(domains, dict):
        for name, body in domains.items():
            _convert(body if body is not None else {}, Domain, ["domains", str(name)], source, root)
        data = {**data, "domains": {k: v if v is not None else {} for k, v in domains.items()}}
    policy = _convert(data, Policy, [], source, root)
    errors = list(_semantic_errors(policy))
    if errors:
        path, message = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise PolicyError(_located(source, root, path, message) + more)
    domains = {
        name: msgspec.structs.replace(_fill(policy.defaults, d), name=name)
        for name, d in policy.domains.items()
    }
    return msgspec.structs.replace(policy, domains=domains, source=source)


def _convert(value: Any, type_: type, prefix: list, source: str, root: yaml.Node | None) -> Any:
    try:
        return msgspec.convert(value, type_, str_keys=True)
    except msgspec.ValidationError as exc:
        message, path = _split_msgspec_error(str(exc))
        raise PolicyError(_located(source, root, [*prefix, *path], message)) from None


def _fill(defaults: Defaults, domain: Domain) -> Domain:
    """Inherit unset owners, routes, runbook and detection from the defaults section."""
    return msgspec.structs.replace(
        domain,
        owners=domain.owners or defaults.owners,
        severity=domain.severity or defaults.severity,
        intended_posture=domain.intended_posture or defaults.intended_posture,
        routes=domain.routes or defaults.routes,
        runbook_url=domain.runbook_url or defaults.runbook_url,
        detection=domain.detection or defaults.detection,
        escalation_window_s=domain.escalation_window_s or defaults.escalation_window_s,
    )


_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _semantic_errors(policy: Policy):
    if not policy.version.strip():
        yield ["version"], "version must not be empty"
    if not policy.domains:
        yield ["domains"], "a policy needs at least one domain"
    for name, domain in policy.domains.items():
        where = ["domains", name]
        if name == NO_DOMAIN:
            yield where, "`none` is reserved for requests in no policy domain"
        elif not _NAME.match(name):
            yield where, f"domain name {name!r} must be lower_snake_case (a Prometheus label)"
        posture = domain.intended_posture or IntendedPosture()
        for field in ("max_under_refusal_rate", "max_over_refusal_rate", "max_harmful_rate"):
            value = getattr(posture, field)
            if value is not None and not 0.0 <= value <= 1.0:
                yield [*where, "intended_posture", field], f"{value} is not a rate in [0, 1]"
        if domain.runbook_url and not domain.runbook_url.startswith(("https://", "http://")):
            yield [*where, "runbook_url"], "runbook_url must be an http(s) URL"
        if policy.receivers:
            for i, route in enumerate(domain.routes):
                if route not in policy.receivers:
                    yield [*where, "routes", i], f"route {route!r} names no receiver"
        if domain.detection is not None:
            yield from _detection_errors(domain.detection, [*where, "detection"])
    yield from _detection_errors(policy.defaults.detection, ["defaults", "detection"])
    for name, template in policy.links.items():
        try:
            template.format(domain="d", model="m", surface="s")
        except (KeyError, IndexError, ValueError) as exc:
            yield (
                ["links", name],
                (f"link template can use only {{domain}}, {{model}} and {{surface}} ({exc!r})"),
            )


SHIFT_METRICS = (
    "under_refusal_rate",
    "over_refusal_rate",
    "harmful_rate",
    "uncertain_rate",
    "domain_mix",
    "anomaly_rate",
)


def _detection_errors(detection: Detection, where: list):
    for i, metric in enumerate(detection.shift_metrics):
        if metric not in SHIFT_METRICS:
            yield (
                [*where, "shift_metrics", i],
                (f"unknown metric {metric!r}; one of {', '.join(SHIFT_METRICS)}"),
            )
    if detection.arl < 100:
        yield [*where, "arl"], f"arl {detection.arl} is below 100 samples"
    if not 0.5 < detection.breach_confidence < 1.0:
        yield [*where, "breach_confidence"], "breach_confidence must be in (0.5, 1)"
    if detection.warmup < 10:
        yield [*where, "warmup"], "warmup must be at least 10 samples"


_MSGSPEC_PATH = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[(\"|')(.*?)\3\]")


def _split_msgspec_error(text: str) -> tuple[str, list]:
    match = _MSGSPEC_PATH.match(text)
    assert match  # the pattern matches any string
    path: list = []
    for part in _PATH_PART.finditer(match["path"] or ""):
        if part[1] is not None:
            path.append(part[1])
        elif part[2] is not None:
            path.append(int(part[2]))
        else:
            path.append(part[4])
    unknown = re.match(r"Object contains unknown field `(.+)`", match["msg"])
    if unknown:
        path.append(unknown[1])
    return match["msg"], path


def _located(source: str, root: yaml.Node | None, path: list, message: str) -> str:
    line = _line_of(root, path)
    field = ".".join(str(p) for p in path) or "(top level)"
    return f"{source}:{line}: {field}: {message}"


def _line_of(node: yaml.Node | None, path: list) -> int:
    """1-based line of the deepest node on ``path`` that exists in the YAML tree."""
    line = 1 if node is None else node.start_mark.line + 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    # A missing or wrong value is best shown at its key.
                    line = key.start_mark.line + 1
                    node = value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line
