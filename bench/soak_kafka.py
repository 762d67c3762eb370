"""Soak: SIGKILL a Kafka worker at random moments, restart it, and count what was lost or
counted twice (``make soak``; each run on a fresh Tansu broker).

    python -m bench.soak_kafka [--runs 20] [--samples 20000] [--seed 1]

Each run replays the traffic, starts a worker, kills it (SIGKILL) when a random share of
the verdicts is out (plus a random few ms), in a quarter of the runs kills the restarted
worker once more, then lets a last worker finish. It then compares, against the embedded
runner on the same file: samples missing from the posture or the verdicts (``lost``),
samples in the posture twice (``double``), duplicate verdict and alert messages, and
whether the alerts (rule, metric, segment, detected-at sample, status) are the same.
Exits non-zero if any run lost or double-counted anything.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.logs import configure_logging
from tests import streams_support as ss
from tests.broker import tansu_broker

COLUMNS = (
    "run",
    "kills",
    "killed_at",
    "lost",
    "double",
    "dup_verdicts",
    "dup_alerts",
    "alerts_match",
    "seconds",
)


def _kill_when(
    count: ss.VerdictCounter,
    worker: ss.WorkerProcess,
    target: int,
    rng: random.Random,
    timeout: float = 240,
) -> int:
    deadline = time.monotonic() + timeout
    while (seen := count()) < target:
        if worker.proc.poll() is not None or time.monotonic() > deadline:
            break
    time.sleep(rng.uniform(0, 0.3))  # land anywhere in a batch or a snapshot
    worker.kill()
    return seen


def soak_run(
    i: int, traffic: Path, policy: Path, reference, rng: random.Random, workdir: Path
) -> dict:
    started = time.monotonic()
    n = len(reference.verdict_ids)
    with tansu_broker(log_path=str(workdir / f"tansu-{i}.log")) as bootstrap:
        ss.create_topics(bootstrap)
        ss.replay_file(bootstrap, traffic)
        kills = 2 if rng.random() < 0.25 else 1
        killed_at = []
        count = ss.VerdictCounter(bootstrap)
        for k in range(kills):
            worker = ss.start_worker(
                bootstrap,
                policy,
                workdir / f"run{i}-w{k}.log",
                "--snapshot-interval-s",
                str(rng.choice((0.2, 0.5, 1.0))),
            )
            already = count()
            target = already + int(rng.uniform(0.0, 0.9) * max(0, n - already))
            killed_at.append(_kill_when(count, worker, target, rng))
        last = ss.start_worker(
            bootstrap, policy, workdir / f"run{i}-last.log", "--exit-when-idle", "2"
        )
        if last.wait(300) != 0:
            raise RuntimeError(f"run {i}: last worker failed, see {last.log_path}")
        count.close()
        row = ss.soak_row(ss.collect(bootstrap), reference)
    return {
        "run": i,
        "kills": kills,
        "killed_at": "/".join(map(str, killed_at)),
        **row,
        "seconds": round(time.monotonic() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    # As a `make bench` section main() gets no arguments: defaults, not the section name.
    args = parser.parse_args([] if argv is None else argv)
    configure_logging(level="error")  # the embedded reference would log every alert
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="soak-kafka-"))
    traffic, policy = workdir / "traffic.jsonl", ss.write_policy(workdir / "policy.yaml")
    ss.write_traffic(traffic, args.samples)
    reference = ss.embedded_reference(traffic, policy)
    print(f"soak: {args.runs} runs of {args.samples} samples, logs in {workdir}", flush=True)
    print(" | ".join(f"{c:>12}" for c in COLUMNS), flush=True)
    bad = 0
    for i in range(1, args.runs + 1):
        row = soak_run(i, traffic, policy, reference, rng, workdir)
        bad += bool(row["lost"] or row["double"] or row["segments_off"] or not row["alerts_match"])
        print(" | ".join(f"{row[c]!s:>12}" for c in COLUMNS), flush=True)
    print(f"runs with loss, double counting or different alerts: {bad} of {args.runs}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
