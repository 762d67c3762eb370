"""Samples/s through Kafka workers on a local Tansu broker, next to the embedded runner.

    python -m bench.bench_kafka [--samples 60000] [--workers 1,2]

The same graded traffic file goes through the embedded runner (in this process) and through
1 and 2 workers (separate processes, one consumer group, a fresh broker each). Two figures
each:

* ``cold``: all samples over the whole time from the first verdict to the last, including
  the core's one-off warm-up (the posture_shift detector computes its thresholds with the
  Brook-Evans ARL on first use of each baseline rate; seconds per process);
* ``warm``: the second half of the stream, when those thresholds are cached.

Kafka figures are measured from the verdict records' broker timestamps, so process start-up
and the group join are not counted. The machine is shared (2 cores, broker included): two
workers there compete with each other and the broker for the same cores.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.logs import configure_logging
from tests import streams_support as ss
from tests.broker import tansu_broker


def _rates(timestamps_ms: list[int]) -> tuple[float, float]:
    ts = sorted(timestamps_ms)
    n = len(ts)
    cold = n / max((ts[-1] - ts[0]) / 1000, 1e-3)
    half = ts[n // 2 :]
    warm = len(half) / max((half[-1] - half[0]) / 1000, 1e-3)
    return cold, warm


def embedded(traffic: Path, policy: Path) -> tuple[float, float]:
    """(cold, warm) samples/s of the embedded runner: first run, then a second in-process."""
    cold = ss.embedded_reference(traffic, policy).samples_per_s
    warm = ss.embedded_reference(traffic, policy).samples_per_s
    return cold, warm


def kafka(traffic: Path, policy: Path, workers: int, workdir: Path) -> dict:
    with tansu_broker(log_path=str(workdir / f"tansu-{workers}.log")) as bootstrap:
        ss.create_topics(bootstrap)
        ss.replay_file(bootstrap, traffic)
        procs = [
            ss.start_worker(
                bootstrap,
                policy,
                workdir / f"bench-{workers}-{i}.log",
                "--exit-when-idle",
                "2",
            )
            for i in range(workers)
        ]
        for p in procs:
            if p.wait(600) != 0:
                raise RuntimeError(f"worker failed, see {p.log_path}")
        records = ss.read_topic(bootstrap, "safety-monitor.verdicts")
        cold, warm = _rates([r.timestamp for r in records])
        return {"verdicts": len(records), "cold": cold, "warm": warm}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--workers", default="1,2")
    # As a `make bench` section main() gets no arguments: defaults, not the section name.
    args = parser.parse_args([] if argv is None else argv)
    configure_logging(level="error")  # the embedded reference would log every alert
    workdir = Path(tempfile.mkdtemp(prefix="bench-kafka-"))
    traffic, policy = workdir / "traffic.jsonl", ss.write_policy(workdir / "policy.yaml")
    ss.write_traffic(traffic, args.samples)
    started = time.monotonic()
    rows = [("embedded runner", "-", *embedded(traffic, policy))]
    for n in (int(w) for w in args.workers.split(",")):
        result = kafka(traffic, policy, n, workdir)
        assert result["verdicts"] == args.samples, result
        rows.append((f"kafka, {n} worker{'s' * (n > 1)}", n, result["cold"], result["warm"]))
    print(f"\n{args.samples} samples (graded traffic), logs in {workdir}")
    print(f"{'setup':<20} {'workers':>7} {'cold/s':>9} {'warm/s':>9} {'warm/s/worker':>14}")
    for name, n, cold, warm in rows:
        per = warm / n if isinstance(n, int) else warm
        print(f"{name:<20} {n!s:>7} {cold:>9,.0f} {warm:>9,.0f} {per:>14,.0f}")
    print(f"({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
