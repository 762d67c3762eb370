"""Bench: alerts routed per second (durable outbox commit included) and delivery latency
(emit -> received by a local HTTP receiver), median and p95.

    PYTHONPATH=. python bench/bench_alerts.py [--route N] [--deliver N] [--rate R]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import msgspec
import structlog
from prometheus_client import CollectorRegistry

from alerts.router import AlertRouter
from monitor.contract import AlertEvent, Evidence, Segment
from monitor.policy import parse_policy


def event(i: int, status: str = "firing") -> AlertEvent:
    key = f"cyber|m{i}|chat|under_refusal_rate|posture_breach"
    return AlertEvent(
        alert_id=f"a{i}",
        dedup_key=key,
        status=status,
        severity="critical",  # type: ignore
        rule="posture_breach",
        metric="under_refusal_rate",
        segment=Segment("cyber", f"m{i}", "chat"),
        baseline=0.01,
        observed=0.05,
        intended_max=0.02,
        detected_at=dt.datetime(2026, 11, 27, tzinfo=dt.UTC),
        detected_at_sample_id=f"s{i}",
        evidence=[Evidence(f"s{i}", "mail me at bob@example.com, card 4111 1111 1111 1111")],
        owners=["cyber-policy"],
        runbook_url="https://runbooks.example.com/cyber",
    )


class _Receiver:
    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.perf_counter()
                for n in json.loads(body)["notifications"]:
                    outer.arrivals.setdefault(n["alert"]["dedup_key"], now)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def _policy(url: str):
    return parse_policy(f"""
version: bench
domains: {{cyber: {{routes: [hook], severity: critical}}}}
receivers:
  hook: {{type: webhook, url: "{url}", secret_env: HOOK_SECRET, group_wait_s: 0,
          group_interval_s: 0, timeout_s: 2}}
""")


def _direct_baseline(url: str, receiver: _Receiver, n: int) -> list[float]:
    """Baseline: the same signed webhook POSTed straight with httpx (no outbox, no router)."""
    from alerts.webhook_verify import sign_request

    out = []
    with httpx.Client(trust_env=False, timeout=2) as client:
        for i in range(n):
            e = event(900_000 + i)
            body = msgspec.json.encode({"notifications": [{"kind": "trigger", "alert": e}]})
            start = time.perf_counter()
            client.post(url, content=body, headers=sign_request("bench-secret", body))
            out.append((receiver.arrivals[e.dedup_key] - start) * 1000)
    return sorted(out)


def _summary(lat: list[float]) -> str:
    p95 = lat[int(0.95 * (len(lat) - 1))]
    return f"median {statistics.median(lat):.1f} ms, p95 {p95:.1f} ms, max {lat[-1]:.1f} ms"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--route", type=int, default=2000, help="alerts for the routing figure")
    ap.add_argument("--deliver", type=int, default=300, help="alerts for the latency figure")
    ap.add_argument("--rate", type=float, default=50.0, help="emit rate for latency (1/s)")
    ap.add_argument(
        "--synchronous",
        choices=["FULL", "NORMAL"],
        default="FULL",
        help="outbox durability: FULL survives power loss, NORMAL a process crash",
    )
    args = ap.parse_args(argv if argv is not None else [])
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))
    env = {"HOOK_SECRET": "bench-secret"}
    receiver = _Receiver()
    with tempfile.TemporaryDirectory() as tmp:
        # 1. Routing: emit() = redact + lifecycle + routing + durable commit (workers off).
        router = AlertRouter(
            _policy(receiver.url),
            Path(tmp) / "route.db",
            env=env,
            registry=CollectorRegistry(),
            start=False,
            synchronous=args.synchronous,
        )
        start = time.perf_counter()
        for i in range(args.route):
            router.emit(event(i))
        elapsed = time.perf_counter() - start
        router.close()
        print(
            f"routed {args.route} alerts in {elapsed:.2f} s: "
            f"{args.route / elapsed:,.0f} alerts/s (sqlite WAL, synchronous={args.synchronous}; "
            f"{1000 * elapsed / args.route:.2f} ms per emit)"
        )

        # 2. Delivery latency to a local signed-webhook receiver, paced emits.
        router = AlertRouter(
            _policy(receiver.url),
            Path(tmp) / "deliver.db",
            env=env,
            registry=CollectorRegistry(),
            idle_poll_s=0.05,
            synchronous=args.synchronous,
        )
        sent: dict[str, float] = {}
        gap = 1.0 / args.rate
        base = args.route + 1
        t0 = time.perf_counter()
        for j in range(args.deliver):
            target = t0 + j * gap
            while (now := time.perf_counter()) < target:
                time.sleep(min(target - now, 0.005))
            e = event(base + j)
            sent[e.dedup_key] = time.perf_counter()
            router.emit(e)
        deadline = time.perf_counter() + 30
        while len([k for k in sent if k in receiver.arrivals]) < len(sent):
            if time.perf_counter() > deadline:
                break
            time.sleep(0.01)
        router.close()
        lat = sorted(
            (receiver.arrivals[k] - t) * 1000 for k, t in sent.items() if k in receiver.arrivals
        )
        print(
            f"delivered {len(lat)}/{len(sent)} alerts at {args.rate:.0f}/s: latency "
            f"{_summary(lat)} (emit -> received by a local HTTP receiver)"
        )
        base = _direct_baseline(receiver.url, receiver, min(args.deliver, 200))
        print(f"baseline: the same signed webhook POSTed directly with httpx: {_summary(base)}")
    receiver.httpd.shutdown()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
