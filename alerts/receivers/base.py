"""What every receiver shares: the send contract, HTTP error classification, Retry-After."""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import msgspec

from alerts.config import ReceiverConfig
from alerts.outbox import Notification

__all__ = ["HttpReceiver", "Receiver", "SendResult", "classify", "parse_retry_after"]

#: Retry-After values above this are capped (a receiver asking for a day is misconfigured).
MAX_RETRY_AFTER_S = 3600.0


class SendResult(msgspec.Struct, frozen=True):
    ok: bool
    #: bounded label for metrics: ok, http_429, http_5xx, http_4xx, timeout, connection, error
    result: str
    retryable: bool = True
    retry_after: float | None = None
    error: str = ""


OK = SendResult(True, "ok", retryable=False)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = when.timestamp() - now
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def classify(response: httpx.Response, now: float) -> SendResult:
    code = response.status_code
    if 200 <= code < 300:
        return OK
    text = f"HTTP {code}: {response.text[:200]}"
    retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
    if code == 429:
        return SendResult(False, "http_429", True, retry_after, text)
    if code >= 500 or code in (408, 425):
        return SendResult(False, "http_5xx" if code >= 500 else "http_4xx", True, retry_after, text)
    return SendResult(False, "http_4xx", False, None, text)


class Receiver:
    """A destination. Subclasses set ``kinds`` and implement :meth:`send`."""

    #: Notification kinds this receiver is told about.
    kinds: frozenset[str] = frozenset({"trigger", "repeat", "escalate", "resolve"})
    uses_http = True

    def __init__(
        self,
        name: str,
        cfg: ReceiverConfig,
        env: Mapping[str, str],
        *,
        clock: Callable[[], float],
        refs: Any = None,
    ) -> None:
        self.name = name
        self.cfg = cfg
        self._env = env
        self._clock = clock
        self._refs = refs

    def accepts(self, kind: str) -> bool:
        return kind in self.kinds

    def send(self, batch: list[Notification], client: httpx.Client | None) -> SendResult:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the receiver holds (files, producers)."""


class HttpReceiver(Receiver):
    """A receiver that is one HTTP request per batch."""

    def request(self, batch: list[Notification]) -> tuple[str, str, dict[str, str], bytes]:
        raise NotImplementedError

    def send(self, batch: list[Notification], client: httpx.Client | None) -> SendResult:
        assert client is not None
        method, url, headers, body = self.request(batch)
        return self.post(client, method, url, headers, body)

    def post(
        self,
        client: httpx.Client,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
    ) -> SendResult:
        try:
            response = client.request(method, url, headers=headers, content=body)
        except httpx.TimeoutException as exc:
            return SendResult(False, "timeout", True, None, f"timeout: {type(exc).__name__}")
        except httpx.TransportError as exc:
            return SendResult(
                False, "connection", True, None, f"{type(exc).__name__}: {str(exc)[:200]}"
            )
        return self.classify(response)

    def classify(self, response: httpx.Response) -> SendResult:
        return classify(response, self._clock())


def json_headers(idempotency_key: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Idempotency-Key": idempotency_key,
        "User-Agent": "safety-monitor-alerts/0.1",
    }


def batch_key(batch: list[Notification]) -> str:
    if len(batch) == 1:
        return batch[0].idempotency_key
    import hashlib

    joined = "\n".join(sorted(n.idempotency_key for n in batch)).encode()
    return hashlib.sha256(joined).hexdigest()[:32]
