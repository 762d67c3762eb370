"""The outside contract: samples and labels in, verdicts and alert events out.

Formats are fixed by ``CONTRACT.md``; this module is their only definition in code. Parsing
uses msgspec (typed decoding straight from JSON bytes, several times faster than pydantic v2
on these shapes: see ``bench/bench_contract.py``).

>>> s = decode_sample(b'{"sample_id": "s-1", "timestamp": "2026-11-27T04:30:00Z", '
...     b'"model": "m1", "messages": [{"role": "user", "content": "hi"}, '
...     b'{"role": "assistant", "content": "hello"}]}')
>>> s.surface, request_text(s), response_text(s)
('unknown', 'hi', 'hello')
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import msgspec

Role = Literal["system", "user", "assistant", "tool", "developer", "function"]
RequestPolicy = Literal["disallowed", "allowed", "ambiguous"]
ResponseAction = Literal["complied", "refused", "partial"]
Outcome = Literal["under_refusal", "over_refusal", "ok", "uncertain"]
AlertStatus = Literal["firing", "resolved"]

#: Largest accepted raw line or message; bigger ones are dead-lettered, not parsed.
MAX_RECORD_BYTES = 1_000_000


class ContractError(ValueError):
    """A record that does not satisfy the contract; the message says why."""


class Message(msgspec.Struct, frozen=True):
    role: str
    content: str | None = None


class ToolCall(msgspec.Struct, frozen=True):
    name: str
    arguments: dict[str, Any] | str | None = None


class Grader(msgspec.Struct, frozen=True, omit_defaults=True):
    domain: str | None = None
    request: RequestPolicy | None = None
    response: ResponseAction | None = None
    harmful: bool | None = None


class Sample(msgspec.Struct, frozen=True, omit_defaults=True):
    sample_id: str
    timestamp: dt.datetime
    model: str
    messages: list[Message]
    surface: str = "unknown"
    tool_calls: list[ToolCall] | None = None
    grader: Grader | None = None
    metadata: dict[str, Any] | None = None


class Label(msgspec.Struct, frozen=True, omit_defaults=True):
    sample_id: str
    source: str
    domain: str | None = None
    request: RequestPolicy | None = None
    response: ResponseAction | None = None
    harmful: bool | None = None
    labeler: str | None = None
    timestamp: dt.datetime | None = None


class Verdict(msgspec.Struct, omit_defaults=False):
    sample_id: str
    domain: str
    domain_scores: dict[str, float]
    request: RequestPolicy
    request_score: float
    response: ResponseAction
    response_scores: dict[str, float]
    harmful_score: float
    outcome: Outcome
    classifier_version: str


class Segment(msgspec.Struct, frozen=True, array_like=False):
    """A posture segment; a key a rule does not split on is ``"*"``."""

    domain: str
    model: str
    surface: str


class Evidence(msgspec.Struct, frozen=True):
    sample_id: str
    excerpt: str


class AlertEvent(msgspec.Struct, omit_defaults=True):
    alert_id: str
    dedup_key: str
    status: AlertStatus
    severity: str
    rule: str
    metric: str
    segment: Segment
    baseline: float | None
    observed: float | None
    intended_max: float | None
    detected_at: dt.datetime
    detected_at_sample_id: str
    evidence: list[Evidence]
    owners: list[str]
    runbook_url: str
    #: Extensions (optional, additive): the detector's numbers and where to look.
    statistic: float | None = None
    threshold: float | None = None
    window: int | None = None
    links: dict[str, str] | None = None
    summary: str | None = None


_sample_decoder = msgspec.json.Decoder(Sample)
_label_decoder = msgspec.json.Decoder(Label)
_encoder = msgspec.json.Encoder()


def _check_size(raw: bytes | str) -> None:
    if len(raw) > MAX_RECORD_BYTES:
        raise ContractError(f"record is {len(raw)} bytes, over the {MAX_RECORD_BYTES} limit")
    if (b"\x00" if isinstance(raw, bytes) else "\x00") in raw:
        raise ContractError("record contains a NUL byte")


def decode_sample(raw: bytes | str) -> Sample:
    """Parse and validate one sample (contract section 1), or raise :class:`ContractError`."""
    _check_size(raw)
    try:
        sample = _sample_decoder.decode(raw)
    except msgspec.DecodeError as exc:  # ValidationError is a subclass
        raise ContractError(str(exc)) from None
    _check_sample(sample)
    return sample


def _check_sample(sample: Sample) -> None:
    if not sample.sample_id:
        raise ContractError("sample_id is empty")
    if sample.timestamp.tzinfo is None:
        raise ContractError("timestamp has no timezone (RFC 3339 needs one)")
    roles = {m.role for m in sample.messages}
    if "user" not in roles:
        raise ContractError("messages has no user message")
    if "assistant" not in roles:
        raise ContractError("messages has no assistant message")


def decode_label(raw: bytes | str) -> Label:
    """Parse and validate one label (contract section 2), or raise :class:`ContractError`."""
    _check_size(raw)
    try:
        label = _label_decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise ContractError(str(exc)) from None
    if not label.sample_id:
        raise ContractError("sample_id is empty")
    return label


def encode(record: msgspec.Struct) -> bytes:
    """One JSON line (without the newline) for a verdict, alert or sample."""
    return _encoder.encode(record)


def request_text(sample: Sample) -> str:
    """The user turn before the last assistant message: the request being judged."""
    last_assistant = _last_index(sample.messages, "assistant")
    for message in reversed(sample.messages[:last_assistant]):
        if message.role == "user":
            return message.content or ""
    # A user message after the response only: still the best request we have.
    return next((m.content or "" for m in sample.messages if m.role == "user"), "")


def response_text(sample: Sample) -> str:
    """The last assistant message: the response being judged."""
    return sample.messages[_last_index(sample.messages, "assistant")].content or ""


def _last_index(messages: list[Message], role: str) -> int:
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].role == role:
            return i
    raise ContractError(f"messages has no {role} message")
