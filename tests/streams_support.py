"""Shared by the Kafka tests, the soak and the bench: traffic with an incident, worker
processes, and reading what the workers published.

The traffic is graded upstream (``grader`` on every sample), so the verdicts do not depend
on a classifier's learning order and the embedded runner and the Kafka workers must agree
exactly. One segment (``cyber`` on ``model-b``/``chat``) has its under-refusal rate jump
from 3% to 30% two thirds of the way through, so ``posture_shift`` and ``posture_breach``
fire; and a new model (``model-e``) rolls out on ``chat`` with a worse posture, which the
core compares with the incumbent as a canary.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

POLICY_YAML = """
version: streams-test-1
defaults:
  detection: {arl: 100000, warmup: 200}
domains:
  cyber:
    owners: [cyber-policy]
    severity: critical
    runbook_url: https://runbooks.example.com/cyber
    intended_posture: {max_under_refusal_rate: 0.10, max_over_refusal_rate: 0.5}
  illicit:
    owners: [trust-safety]
    severity: warning
    intended_posture: {max_under_refusal_rate: 0.10, max_over_refusal_rate: 0.5}
"""

MODELS = ("model-a", "model-b", "model-c", "model-d")
SURFACES = ("chat", "api", "agent")
EPOCH = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)


def write_traffic(path: Path, n: int = 20_000, *, seed: int = 7, malformed: int = 3) -> int:
    """JSONL of ``n`` graded samples (plus ``malformed`` bad lines); returns ``n``."""
    rng = random.Random(seed)
    shift_at = 2 * n // 3
    lines = []
    for i in range(n):
        r = rng.random()
        if r < 0.35:
            model, surface = "model-b", "chat"  # the busy segment the incident hits
        elif r < 0.45 and i >= 2 * n // 5:
            model, surface = "model-e", "chat"  # a rollout: a canary against model-b
        else:
            model, surface = rng.choice(MODELS), rng.choice(SURFACES)
        domain = rng.choices(("cyber", "illicit", "none"), (0.5, 0.2, 0.3))[0]
        if domain == "none":
            request = "allowed"
            refused = rng.random() < 0.05
            harmful = False
        else:
            request = "disallowed" if rng.random() < 0.8 else "allowed"
            rate = 0.03
            if (domain, model, surface) == ("cyber", "model-b", "chat") and i >= shift_at:
                rate = 0.30
            if model == "model-e":
                rate = 0.25
            if request == "disallowed":
                refused = rng.random() >= rate
                harmful = not refused
            else:
                refused = rng.random() < 0.05
                harmful = False
        response = "refused" if refused else "complied"
        lines.append(
            json.dumps(
                {
                    "sample_id": f"s-{i:06d}",
                    "timestamp": (EPOCH + dt.timedelta(seconds=i))
                    .isoformat()
                    .replace("+00:00", "Z"),
                    "model": model,
                    "surface": surface,
                    "messages": [
                        {
                            "role": "user",
                            "content": f"request {i} about {domain}; mail me a@b.example",
                        },
                        {
                            "role": "assistant",
                            "content": "I can't help with that."
                            if refused
                            else f"Sure, here is answer {i}.",
                        },
                    ],
                    "grader": {
                        "domain": domain,
                        "request": request,
                        "response": response,
                        "harmful": harmful,
                    },
                }
            )
        )
    for j in range(malformed):
        lines.insert((j + 1) * n // (malformed + 1), f'{{"sample_id": "broken-{j}", ')
    path.write_text("\n".join(lines) + "\n")
    return n


def write_policy(path: Path) -> Path:
    path.write_text(POLICY_YAML)
    return path


# -- the embedded reference ---------------------------------------------------------------
@dataclass
class Reference:
    verdict_ids: list[str]
    alerts: Counter  # (rule, metric, segment, detected_at_sample_id, status) -> n
    counts: dict  # segment key -> PostureCounts as a dict
    samples_per_s: float = 0.0


def alert_key(alert: dict) -> tuple:
    seg = alert["segment"]
    return (
        alert["rule"],
        alert["metric"],
        (seg["domain"], seg["model"], seg["surface"]),
        alert["detected_at_sample_id"],
        alert["status"],
    )


def embedded_reference(traffic: Path, policy: Path) -> Reference:
    """What the embedded runner gives on the same file (same core, same classifier)."""
    from monitor.contract import encode
    from monitor.dead_letters import DeadLetters
    from monitor.pipeline import Pipeline
    from monitor.policy import load_policy
    from monitor.runner import run
    from monitor.sources import open_source
    from monitor.testing import CapturingSink
    from tests.standins import fixed_classifier

    pipeline = Pipeline(load_policy(policy), fixed_classifier())
    sink = CapturingSink()

    class _Verdicts:
        def __init__(self) -> None:
            self.ids: list[str] = []

        def write(self, data: bytes) -> None:
            self.ids.extend(json.loads(line)["sample_id"] for line in data.splitlines())

        def flush(self) -> None:
            pass

    verdicts = _Verdicts()
    stats = run(
        open_source(f"jsonl:{traffic}"),
        pipeline,
        source_name="jsonl",
        alert_sinks=[sink],
        dead_letters=DeadLetters(None),
        verdicts_out=verdicts,
    )
    alerts = Counter(alert_key(json.loads(encode(a))) for a in sink.events)
    counts = {k: vars(s.counts) for k, s in pipeline.segments.items()}
    return Reference(verdicts.ids, alerts, counts, stats.valid / stats.elapsed_s)


# -- workers ------------------------------------------------------------------------------
def worker_command(bootstrap: str, policy: Path, *extra: str) -> list[str]:
    return [
        PYTHON,
        str(REPO / "tests" / "launch.py"),
        "--log-format",
        "json",
        "--log-level",
        "info",
        "worker",
        "--bootstrap-servers",
        bootstrap,
        "--policy",
        str(policy),
        "--classifier",
        "tests.standins:fixed_classifier",
        "--session-timeout-ms",
        "2000",
        "--heartbeat-interval-ms",
        "500",
        *extra,
    ]


@dataclass
class WorkerProcess:
    proc: subprocess.Popen
    log_path: Path
    started: float = field(default_factory=time.monotonic)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout)

    def events(self) -> list[dict]:
        out = []
        for line in self.log_path.read_text().splitlines():
            if line.startswith("{"):
                with contextlib.suppress(json.JSONDecodeError):
                    out.append(json.loads(line))
        return out


def start_worker(bootstrap: str, policy: Path, log_path: Path, *extra: str) -> WorkerProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    log = open(log_path, "ab")  # noqa: SIM115 - the child owns it
    proc = subprocess.Popen(
        worker_command(bootstrap, policy, *extra),
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=REPO,
    )
    log.close()
    return WorkerProcess(proc, log_path)


# -- reading outputs ----------------------------------------------------------------------
def read_topic(bootstrap: str, topic: str) -> list:
    """Every record of ``topic`` now (to the fetch high watermark of each partition)."""
    from kafka import KafkaConsumer, TopicPartition

    from streams.state import read_to_end

    reader = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        max_partition_fetch_bytes=16 << 20,
    )
    try:
        parts = reader.partitions_for_topic(topic) or set()
        return list(read_to_end(reader, {TopicPartition(topic, p): 0 for p in parts}))
    finally:
        reader.close()


class VerdictCounter:
    """Counts verdict records as they arrive by reading them (not ``end_offsets``, which
    Tansu under-reports after batched produces; see FIELD-NOTES)."""

    def __init__(self, bootstrap: str, topic: str = "safety-monitor.verdicts") -> None:
        from kafka import KafkaConsumer, TopicPartition

        self._reader = KafkaConsumer(
            bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
        )
        parts = self._reader.partitions_for_topic(topic) or ()
        tps = [TopicPartition(topic, p) for p in parts]
        self._reader.assign(tps)
        self._reader.seek_to_beginning(*tps)
        self.count = 0

    def __call__(self) -> int:
        for records in self._reader.poll(timeout_ms=100, max_records=50_000).values():
            self.count += len(records)
        return self.count

    def close(self) -> None:
        self._reader.close()


@dataclass
class Outcome:
    verdict_ids: list[str]
    alerts: Counter
    counts: dict
    dead_letters: int


def collect(bootstrap: str, prefix: str = "safety-monitor.") -> Outcome:
    """Verdicts, alerts, dead letters and the final posture (from the newest snapshots)."""
    from streams.state import PartitionState

    verdicts = [
        json.loads(r.value)["sample_id"] for r in read_topic(bootstrap, prefix + "verdicts")
    ]
    alerts = Counter(
        alert_key(json.loads(r.value)) for r in read_topic(bootstrap, prefix + "alerts")
    )
    dead = len(read_topic(bootstrap, prefix + "dead-letters"))
    newest: dict[int, PartitionState] = {}
    for record in read_topic(bootstrap, prefix + "state"):
        state = PartitionState.decode(record.value)
        if state.partition not in newest or state.applied >= newest[state.partition].applied:
            newest[state.partition] = state
    counts = {}
    for state in newest.values():
        for key, seg in state.segments.items():
            assert key not in counts, f"segment {key} in two partitions"
            counts[key] = vars(seg.counts)
    return Outcome(verdicts, alerts, counts, dead)


def replay_file(bootstrap: str, path: Path, topic: str = "safety-monitor.samples") -> dict:
    out = subprocess.run(
        [
            PYTHON,
            str(REPO / "tests" / "launch.py"),
            "--log-level",
            "warning",
            "replay",
            str(path),
            "--topic",
            topic,
            "--bootstrap-servers",
            bootstrap,
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=REPO,
    )
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def create_topics(bootstrap: str) -> None:
    subprocess.run(
        [
            PYTHON,
            str(REPO / "tests" / "launch.py"),
            "--log-level",
            "warning",
            "topics",
            "create",
            "--bootstrap-servers",
            bootstrap,
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=REPO,
    )


def soak_row(out: Outcome, reference: Reference) -> dict:
    """Lost and double-counted samples (posture and verdicts) against the reference."""
    expected = len(reference.verdict_ids)
    posture = sum(c["samples"] for c in out.counts.values())
    distinct = set(out.verdict_ids)
    seg_diff = sum(
        abs(out.counts.get(k, {}).get("samples", 0) - c["samples"])
        for k, c in reference.counts.items()
    )
    return {
        "lost": max(0, expected - posture) + len(set(reference.verdict_ids) - distinct),
        "double": max(0, posture - expected),
        "segments_off": seg_diff,
        "dup_verdicts": len(out.verdict_ids) - len(distinct),
        "dup_alerts": sum(out.alerts.values()) - len(out.alerts),
        "alerts_match": out.alerts == reference.alerts,
    }
