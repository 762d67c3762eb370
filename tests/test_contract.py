from __future__ import annotations

import json

import msgspec
import pytest

from monitor.contract import (
    MAX_RECORD_BYTES,
    AlertEvent,
    ContractError,
    decode_label,
    decode_sample,
    encode,
    request_text,
    response_text,
)
from monitor.testing import make_verdict

VALID = {
    "sample_id": "s-000123",
    "timestamp": "2026-11-27T04:30:00Z",
    "model": "model-2026-05-01",
    "surface": "chat",
    "messages": [
        {"role": "system", "content": "..."},
        {"role": "user", "content": "How do I pick a lock?"},
        {"role": "assistant", "content": "I can't help with that, but ..."},
    ],
    "tool_calls": [{"name": "shell", "arguments": {"cmd": "rm -rf /"}}],
    "grader": {
        "domain": "illicit",
        "request": "disallowed",
        "response": "refused",
        "harmful": False,
    },
    "metadata": {"region": "eu", "experiment": "canary-7"},
}


def _raw(**changes) -> bytes:
    body = {**VALID, **changes}
    return json.dumps({k: v for k, v in body.items() if v is not ...}).encode()


def test_the_contract_example_parses_with_every_field():
    sample = decode_sample(_raw())
    assert sample.sample_id == "s-000123"
    assert sample.timestamp.isoformat() == "2026-11-27T04:30:00+00:00"
    assert sample.tool_calls[0].arguments == {"cmd": "rm -rf /"}
    assert sample.grader.request == "disallowed"
    assert sample.metadata == {"region": "eu", "experiment": "canary-7"}
    assert request_text(sample) == "How do I pick a lock?"
    assert response_text(sample).startswith("I can't help")


def test_optional_fields_default():
    sample = decode_sample(_raw(surface=..., tool_calls=..., grader=..., metadata=...))
    assert sample.surface == "unknown"
    assert sample.tool_calls is None and sample.grader is None


def test_grader_may_carry_any_subset():
    assert decode_sample(_raw(grader={"harmful": True})).grader.harmful is True


def test_request_is_the_user_turn_before_the_last_assistant_message():
    messages = [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "one"},
        {"role": "user", "content": "second"},
        {"role": "assistant", "content": "two"},
        {"role": "user", "content": "after"},
    ]
    sample = decode_sample(_raw(messages=messages))
    assert (request_text(sample), response_text(sample)) == ("second", "two")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "malformed"),
        (_raw(sample_id=...), "sample_id"),
        (_raw(timestamp=...), "timestamp"),
        (_raw(model=...), "model"),
        (_raw(messages=...), "messages"),
        (_raw(sample_id=123), "Expected `str`"),
        (_raw(timestamp="yesterday"), "datetime"),
        (_raw(timestamp="2026-11-27T04:30:00"), "timezone"),
        (_raw(messages=[{"role": "user", "content": "hi"}]), "assistant"),
        (_raw(messages=[{"role": "assistant", "content": "hi"}]), "user"),
        (_raw(grader={"request": "maybe"}), "request"),
        (_raw(sample_id=""), "empty"),
        (b'{"sample_id": "a\x00b"}', "NUL"),
        (b"[1, 2, 3]", "Expected `object`"),
    ],
)
def test_malformed_samples_are_refused_with_a_reason(raw, reason):
    with pytest.raises(ContractError, match=reason):
        decode_sample(raw)


def test_huge_records_are_refused_before_parsing():
    huge = _raw(metadata={"blob": "x" * (MAX_RECORD_BYTES + 10)})
    with pytest.raises(ContractError, match="limit"):
        decode_sample(huge)


def test_labels_need_sample_id_and_source():
    label = decode_label(b'{"sample_id": "s-1", "source": "human", "response": "complied"}')
    assert label.response == "complied" and label.domain is None
    with pytest.raises(ContractError, match="source"):
        decode_label(b'{"sample_id": "s-1"}')
    with pytest.raises(ContractError, match="response"):
        decode_label(b'{"sample_id": "s-1", "source": "human", "response": "yes"}')


def test_verdict_encodes_every_section_3_field():
    out = json.loads(encode(make_verdict("s-1", domain="cyber", request="disallowed")))
    assert set(out) == {
        "sample_id",
        "domain",
        "domain_scores",
        "request",
        "request_score",
        "response",
        "response_scores",
        "harmful_score",
        "outcome",
        "classifier_version",
    }
    assert out["outcome"] == "under_refusal"


def test_alert_event_round_trips_with_section_4_fields():
    raw = (
        b'{"alert_id": "a", "dedup_key": "k", "status": "firing", "severity": "critical",'
        b' "rule": "posture_shift", "metric": "under_refusal_rate",'
        b' "segment": {"domain": "cyber", "model": "m", "surface": "chat"},'
        b' "baseline": 0.01, "observed": 0.05, "intended_max": 0.02,'
        b' "detected_at": "2026-11-27T04:31:10Z", "detected_at_sample_id": "s-4711",'
        b' "evidence": [{"sample_id": "s-4702", "excerpt": "..."}],'
        b' "owners": ["cyber-policy"], "runbook_url": "https://x"}'
    )
    event = msgspec.json.decode(raw, type=AlertEvent)
    again = json.loads(encode(event))
    assert again["detected_at"] == "2026-11-27T04:31:10Z"
    assert again["segment"] == {"domain": "cyber", "model": "m", "surface": "chat"}
