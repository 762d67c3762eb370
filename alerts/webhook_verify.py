"""Signing and verifying the generic JSON webhook (a helper we ship for receivers).

Every webhook request carries::

    X-Safety-Monitor-Timestamp: 1764217860            (Unix seconds, when it was signed)
    X-Safety-Monitor-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>
    Idempotency-Key: <stable per notification: the same on every retry>

A receiver verifies with :class:`WebhookVerifier`: the signature (constant-time compare,
several ``v1=`` values allowed during secret rotation), the timestamp within a tolerance,
and that this exact signed request was not seen before (a replay). Retries of one
notification are signed afresh, so they are not replays; they share the
``Idempotency-Key``, which is what a receiver deduplicates processing on
(:meth:`WebhookVerifier.first_delivery`).

>>> v = WebhookVerifier("s3cret", clock=lambda: 1000.0)
>>> headers = sign_request("s3cret", b'{"a":1}', timestamp=1000)
>>> v.verify(headers, b'{"a":1}')
>>> v.verify(headers, b'{"a":1}')
Traceback (most recent call last):
...
alerts.webhook_verify.VerificationError: replayed request (signature already seen)
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

__all__ = [
    "IDEMPOTENCY_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "VerificationError",
    "WebhookVerifier",
    "compute_signature",
    "sign_request",
]

TIMESTAMP_HEADER = "X-Safety-Monitor-Timestamp"
SIGNATURE_HEADER = "X-Safety-Monitor-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_VERSION = "v1"


class VerificationError(Exception):
    """The request is forged, stale, replayed or malformed; answer 401/400, do not process."""


def compute_signature(secret: str | bytes, timestamp: int | str, body: bytes) -> str:
    """Hex HMAC-SHA256 over ``b"<timestamp>." + body``."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign_request(
    secret: str | bytes, body: bytes, *, timestamp: int | None = None
) -> dict[str, str]:
    """The signature headers for ``body`` (what the sender adds)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {
        TIMESTAMP_HEADER: str(ts),
        SIGNATURE_HEADER: f"{_VERSION}={compute_signature(secret, ts, body)}",
    }


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lower = name.lower()
        for key, val in headers.items():
            if key.lower() == lower:
                return val
    return value


class WebhookVerifier:
    """Verify signed webhook requests; thread-safe.

    ``secrets`` may hold several secrets (old and new during rotation). ``tolerance_s`` bounds
    clock skew and how long a captured request could be replayed; the seen-signature cache
    keeps every signature for that long (bounded by ``max_seen`` entries).
    """

    def __init__(
        self,
        secrets: str | bytes | list[str | bytes],
        *,
        tolerance_s: float = 300.0,
        max_seen: int = 100_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        keys = secrets if isinstance(secrets, list) else [secrets]
        self._keys = [k.encode() if isinstance(k, str) else k for k in keys if k]
        if not self._keys:
            raise ValueError("WebhookVerifier needs at least one non-empty secret")
        self._tolerance = tolerance_s
        self._max_seen = max_seen
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._processed: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Return if the request is authentic and fresh; raise :class:`VerificationError`."""
        ts_text = _header(headers, TIMESTAMP_HEADER)
        sig_text = _header(headers, SIGNATURE_HEADER)
        if not ts_text or not sig_text:
            raise VerificationError("missing signature or timestamp header")
        try:
            ts = int(ts_text)
        except ValueError:
            raise VerificationError("timestamp is not an integer") from None
        candidates = [
            part.strip()[len(_VERSION) + 1 :]
            for part in sig_text.split(",")
            if part.strip().startswith(f"{_VERSION}=")
        ]
        if not candidates:
            raise VerificationError(f"no {_VERSION} signature")
        ok = False
        for key in self._keys:
            expected = compute_signature(key, ts, body)
            for candidate in candidates:
                # compare_digest on every pair: no early exit that leaks which one matched.
                ok |= hmac.compare_digest(expected, candidate)
        if not ok:
            raise VerificationError("signature mismatch")
        now = self._clock()
        if abs(now - ts) > self._tolerance:
            raise VerificationError(
                f"timestamp outside tolerance ({now - ts:+.0f} s, allowed ±{self._tolerance:.0f} s)"
            )
        with self._lock:
            self._expire(self._seen, now)
            if sig_text in self._seen:
                raise VerificationError("replayed request (signature already seen)")
            self._seen[sig_text] = now
            if len(self._seen) > self._max_seen:
                self._seen.popitem(last=False)

    def first_delivery(self, headers: Mapping[str, str], *, retention_s: float = 86400.0) -> bool:
        """True the first time an ``Idempotency-Key`` is seen (process it), False for a retry
        of something already processed (answer 2xx again and do nothing)."""
        key = _header(headers, IDEMPOTENCY_HEADER)
        if not key:
            return True
        now = self._clock()
        with self._lock:
            while self._processed:
                _key, at = next(iter(self._processed.items()))
                if now - at <= retention_s and len(self._processed) <= self._max_seen:
                    break
                self._processed.popitem(last=False)
            if key in self._processed:
                return False
            self._processed[key] = now
            return True

    def _expire(self, seen: OrderedDict[str, float], now: float) -> None:
        horizon = 2 * self._tolerance
        while seen:
            _, at = next(iter(seen.items()))
            if now - at <= horizon:
                break
            seen.popitem(last=False)
