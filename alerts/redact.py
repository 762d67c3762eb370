"""Redaction of personal data and secrets in alert evidence excerpts.

Every excerpt that leaves the process goes through :func:`redact`. Matches are replaced by
``[REDACTED:<kind>]``. Patterns are precompiled and tuned for few false positives: dates,
times, version numbers, prices and order numbers survive; card numbers must pass the Luhn
check and carry a card-network prefix; IPv6 candidates must parse.

>>> redact("mail bob@example.com or call +1 415 555 0100 before 2026-11-27")
'mail [REDACTED:email] or call [REDACTED:phone] before 2026-11-27'
>>> redact("card 4111 1111 1111 1111, order 4111111111111112, v1.2.3, $1,299.99")
'card [REDACTED:card], order 4111111111111112, v1.2.3, $1,299.99'
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

__all__ = ["KINDS", "redact", "redact_with_counts"]

_Check = Callable[[re.Match[str], str], bool]


def _tag(kind: str) -> str:
    return f"[REDACTED:{kind}]"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# Card-network prefixes and lengths (IIN ranges); a Luhn-valid number without one is more
# likely an order or tracking number than a card.
_CARD_PREFIX = re.compile(
    r"^(?:4\d{12}(?:\d{3}){0,2}"  # Visa 13/16/19
    r"|(?:5[1-5]\d{2}|222[1-9]|22[3-9]\d|2[3-6]\d{2}|27[01]\d|2720)\d{12}"  # Mastercard
    r"|3[47]\d{13}"  # Amex
    r"|3(?:0[0-5]|[68]\d)\d{11,16}"  # Diners
    r"|6(?:011|5\d{2}|4[4-9]\d)\d{12,15}"  # Discover
    r"|35(?:2[89]|[3-8]\d)\d{12,15}"  # JCB
    r"|(?:62|81)\d{14,17}"  # UnionPay
    r")$"
)
_NOT_CARD_CONTEXT = re.compile(
    r"(?:order|invoice|tracking|ref(?:erence)?|ticket|id|no\.?|number|#)\s*[:#]?\s*$", re.I
)


def _card_ok(m: re.Match[str], text: str) -> bool:
    digits = re.sub(r"[ -]", "", m.group(0))
    if not 13 <= len(digits) <= 19 or not _CARD_PREFIX.match(digits) or not _luhn_ok(digits):
        return False
    before = text[max(0, m.start() - 24) : m.start()]
    return not _NOT_CARD_CONTEXT.search(before)


def _ipv6_ok(m: re.Match[str], text: str) -> bool:
    candidate = m.group(0)
    if candidate.count(":") < 2 or not re.search(r"[0-9A-Fa-f]", candidate):
        return False
    groups = [g for g in candidate.split(":") if g]
    if "::" not in candidate and len(groups) != 8:
        return False
    if len(groups) < 2 and candidate not in ("::1",):
        return False
    try:
        ipaddress.IPv6Address(candidate.split("%")[0])
    except ValueError:
        return False
    return True


_VERSION_CONTEXT = re.compile(r"\b(?:v|version|ver\.?|release|build)\s*$", re.I)
_VERSION_SUFFIX = re.compile(r"[-+](?:alpha|beta|rc|dev|pre|post|snapshot|final)", re.I)


def _ipv4_ok(m: re.Match[str], text: str) -> bool:
    before = text[max(0, m.start() - 12) : m.start()]
    return not _VERSION_CONTEXT.search(before) and not _VERSION_SUFFIX.match(text, m.end())


def _phone_ok(m: re.Match[str], text: str) -> bool:
    digits = sum(ch.isdigit() for ch in m.group(0))
    if not 8 <= digits <= 15:
        return False
    before = text[max(0, m.start() - 24) : m.start()]
    return not _NOT_CARD_CONTEXT.search(before) and not re.search(r"[$€£¥]\s*$", before)


# (kind, pattern, optional check, group to replace). Order matters: secrets and emails
# first (they contain digits that other patterns would eat), phones last.
_RULES: list[tuple[str, re.Pattern[str], _Check | None, int]] = [
    (
        "jwt",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        None,
        0,
    ),
    (
        "private_key",
        re.compile(
            r"-----BEGIN (?:[A-Z ]+ )?PRIVATE KEY-----.*?"
            r"(?:-----END (?:[A-Z ]+ )?PRIVATE KEY-----|$)",
            re.S,
        ),
        None,
        0,
    ),
    ("bearer_token", re.compile(r"(?i)\bbearer\s+([A-Za-z0-9._~+/-]{12,}=*)"), None, 1),
    (
        "aws_key",
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b"),
        None,
        0,
    ),
    (
        "aws_secret",
        re.compile(
            r"(?i)aws_?secret_?(?:access_?)?key\W{0,3}([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
        ),
        None,
        1,
    ),
    (
        "api_key",
        re.compile(r"\bsk-(?:proj-|ant-(?:api\d\d-)?|live_|test_)?[A-Za-z0-9_-]{20,}"),
        None,
        0,
    ),
    ("api_key", re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b"), None, 0),
    ("github_token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b"), None, 0),
    ("github_token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b"), None, 0),
    ("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), None, 0),
    ("google_api_key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), None, 0),
    (
        "secret",
        re.compile(
            r"(?i)\b(?:api[_-]?key|access[_-]?token|auth[_-]?token|secret|password|passwd)"
            r"\s*[:=]\s*[\"']?([^\s\"',;]{8,})"
        ),
        None,
        1,
    ),
    (
        "email",
        re.compile(
            r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,24}\b"
        ),
        None,
        0,
    ),
    (
        "ip",
        re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|:)(?:%\w+)?(?![\w:])"),
        _ipv6_ok,
        0,
    ),
    (
        "ip",
        re.compile(
            r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
            r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w.]?\d)(?!\.\d)"
        ),
        _ipv4_ok,
        0,
    ),
    ("card", re.compile(r"(?<![\w.,-])\d(?:[ -]?\d){12,18}(?![\w.,]?\d)"), _card_ok, 0),
    (
        "ssn",
        re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\w-])"),
        None,
        0,
    ),
    ("ssn", re.compile(r"(?i)\b(?:ssn|social security(?: number)?)\W{0,3}(\d{9})\b"), None, 1),
    (
        "nino",
        re.compile(
            r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
            r"(?: ?\d{2}){3} ?[A-D]\b"
        ),
        None,
        0,
    ),
    (
        "phone",
        re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){1,5}(?:[ .-]?\d{2,4})(?![\w])"),
        _phone_ok,
        0,
    ),
    (
        "phone",
        re.compile(r"(?<![\w.-])(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w.-]?\d)"),
        _phone_ok,
        0,
    ),
    (
        "phone",
        re.compile(r"(?<![\w.-])0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}(?![\w.-]?\d)"),
        _phone_ok,
        0,
    ),
]

#: Every kind a replacement can name.
KINDS: frozenset[str] = frozenset(kind for kind, *_ in _RULES)

# UK landline/mobile forms like 020 7946 0958 or 07700 900123 need a space or dash to be
# told apart from plain numbers; the last phone rule requires the leading 0 for that.


def _apply(text: str, counts: dict[str, int] | None) -> str:
    for kind, pattern, check, group in _RULES:
        if not pattern.search(text):
            continue
        tag = _tag(kind)

        def _sub(m: re.Match[str], *, _kind=kind, _check=check, _group=group, _tag=tag) -> str:
            if _check is not None and not _check(m, m.string):
                return m.group(0)
            if counts is not None:
                counts[_kind] = counts.get(_kind, 0) + 1
            if _group:
                whole, start = m.group(0), m.start(_group) - m.start()
                return whole[:start] + _tag + whole[start + len(m.group(_group)) :]
            return _tag

        text = pattern.sub(_sub, text)
    return text


def redact(text: str) -> str:
    """``text`` with personal data and secrets replaced by ``[REDACTED:<kind>]``."""
    if not text:
        return text
    return _apply(text, None)


def redact_with_counts(text: str) -> tuple[str, dict[str, int]]:
    """Like :func:`redact`, also returning how many of each kind were replaced."""
    counts: dict[str, int] = {}
    return (_apply(text, counts) if text else text), counts
