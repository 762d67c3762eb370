"""Redaction of personal data in evidence excerpts: what must go, and what must survive."""

from __future__ import annotations

import time

import pytest

from alerts.redact import KINDS, redact, redact_with_counts

MUST_REDACT = [
    ("write to alice.smith+tag@mail.example.co.uk today", "email"),
    ("contact: BOB@EXAMPLE.COM", "email"),
    ("call +1 415 555 0100 now", "phone"),
    ("call (415) 555-0100 now", "phone"),
    ("call 415-555-0100 now", "phone"),
    ("ring +44 20 7946 0958", "phone"),
    ("mobile 07700 900123", "phone"),
    ("phone 020 7946 0958", "phone"),
    ("call +1-800-555-0199", "phone"),
    ("resolver 1.0.0.1 is slow", "ip"),
    ("tel +33 1 23 45 67 89", "phone"),
    ("card 4111 1111 1111 1111 exp 12/29", "card"),
    ("card 4111-1111-1111-1111", "card"),
    ("pay with 5555555555554444", "card"),
    ("amex 378282246310005", "card"),
    ("my ssn is 123-45-6789", "ssn"),
    ("SSN: 123456789", "ssn"),
    ("NI number JG 10 37 73 A", "nino"),
    ("NINO AB123456C please", "nino"),
    ("server at 192.168.1.20 is down", "ip"),
    ("from 8.8.8.8:53", "ip"),
    ("ipv6 2001:db8:85a3::8a2e:370:7334 seen", "ip"),
    ("full 2001:0db8:0000:0000:0000:ff00:0042:8329", "ip"),
    ("loopback ::1 and fe80::1%eth0", "ip"),
    ("key AKIAIOSFODNN7EXAMPLE leaked", "aws_key"),
    ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret"),
    ("OPENAI_API_KEY sk-proj-abcdefghijklmnopqrstuvwxyz012345", "api_key"),
    ("token sk-abcdefghijklmnopqrstuvwxyz0123456789ABCD", "api_key"),
    ("ghp_abcdefghijklmnopqrstuvwxyz0123456789 pushed", "github_token"),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github_token"),
    (
        "jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "jwt",
    ),
    ("Authorization: Bearer abcdef0123456789abcdef.xyz", "bearer_token"),
    ("slack xoxb-1234567890-abcdefghij", "slack_token"),
    ("password = hunter2hunter2", "secret"),
]

MUST_SURVIVE = [
    "released on 2026-11-27 at 04:30:00Z",
    "dates 27/11/2026, 11/27/26, 27.11.2026 and 2026/11/27",
    "upgrade to version 1.2.3.4 or v10.0.19041.1 or 3.11.4",
    "python 3.11, numpy 2.2.1, node v18.17.0",
    "upgrade 1.0.0.1-beta to 2.0.0.0-rc1",
    "uuid 123e4567-e89b-12d3-a456-426614174000 and sha 3f2a9c1d0e",
    "at 04:30:00 today, ts 2026-11-27T04:30:00Z",
    "https://example.com/path?x=1&page=2 and @handle",
    "born 12/03/1985",
    "price $1,299.99 or €49.90 or 1 299,00 kr",
    "order #4111111111111111 has shipped",
    "order number 12345678901234 confirmed",
    "invoice 2026-0001234",
    "tracking 1Z999AA10123456784",
    "the total is 1234567 tokens over 86400 seconds",
    "ratio 0.0123 and p95 12.5 ms, 99.9% uptime",
    "meeting 12:30-13:45, times 10:20:30",
    "ISBN 978-3-16-148410-0",
    "sample s-004711 in domain cyber",
    "the year 2026 and 1,000,000 users",
    "coordinates 51.5074, -0.1278",
    "a random 16 digit 1234567812345678",
    "sku 400-12-3456-XL",
    "",
]


@pytest.mark.parametrize(("text", "kind"), MUST_REDACT)
def test_personal_data_is_redacted(text: str, kind: str) -> None:
    out, counts = redact_with_counts(text)
    assert f"[REDACTED:{kind}]" in out, out
    assert kind in KINDS
    assert counts.get(kind, 0) >= 1


@pytest.mark.parametrize("text", MUST_SURVIVE)
def test_false_positives_survive(text: str) -> None:
    assert redact(text) == text


def test_surrounding_text_is_kept() -> None:
    out = redact("Hi, I'm Bob (bob@example.com), my card is 4242 4242 4242 4242.")
    assert out == "Hi, I'm Bob ([REDACTED:email]), my card is [REDACTED:card]."


def test_bearer_keeps_scheme() -> None:
    assert redact("Authorization: Bearer abcdefghijklmnop1234") == (
        "Authorization: Bearer [REDACTED:bearer_token]"
    )


def test_luhn_invalid_card_survives() -> None:
    assert redact("card 4111 1111 1111 1112") == "card 4111 1111 1111 1112"


def test_redact_is_idempotent() -> None:
    once = redact("x alice@example.com 192.168.0.1 +1 415 555 0100 123-45-6789")
    assert redact(once) == once


def test_redact_is_fast() -> None:
    text = (
        "The user asked about order #12345 on 2026-11-27 and wrote to alice@example.com "
        "from 10.0.0.1 with card 4111 1111 1111 1111. "
    ) * 20
    start = time.perf_counter()
    for _ in range(200):
        redact(text)
    per_call = (time.perf_counter() - start) / 200
    assert per_call < 0.01, per_call
