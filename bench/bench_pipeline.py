"""Embedded pipeline throughput on one core and peak memory, on the demo stream.

Run: ``python -m bench.bench_pipeline``. Three figures from the same run, medians of
several repeats: decoding alone (the floor any pipeline pays), the core with a fixed
classifier (posture, rules, metrics), and the whole embedded pipeline with the real
classifiers. Peak memory is the resident set of a ``safety-monitor run`` process over the
same file.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

from monitor.contract import encode
from monitor.dead_letters import DeadLetters
from monitor.demo import demo_samples
from monitor.metrics import Metrics
from monitor.pipeline import Pipeline
from monitor.policy import load_policy
from monitor.runner import run
from monitor.sources import RawRecord
from monitor.testing import FixedClassifier

N = int(os.environ.get("BENCH_SAMPLES", "30000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))


def _records(lines: list[bytes]) -> list[RawRecord]:
    return [RawRecord(line, f"bench:{i}") for i, line in enumerate(lines)]


def _throughput(make_pipeline, lines: list[bytes]) -> float:
    pipeline = make_pipeline()
    started = time.perf_counter()
    run(
        _records(lines),
        pipeline,
        source_name="bench",
        dead_letters=DeadLetters(None),
        metrics=Metrics(),
    )
    return len(lines) / (time.perf_counter() - started)


def _decode_only(lines: list[bytes]) -> float:
    from monitor.contract import decode_sample

    started = time.perf_counter()
    for line in lines:
        decode_sample(line)
    return len(lines) / (time.perf_counter() - started)


def _peak_rss_mb(path: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor.cli",
            "--log-level",
            "warning",
            "run",
            "--source",
            f"jsonl:{path}",
            "--no-progress",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(peak, before) / 1024  # KiB on Linux


def main() -> dict[str, float]:
    from classifiers import Classifier

    policy = load_policy()
    lines = [encode(s) for s in islice(demo_samples(seed=3), N)]
    classifier = Classifier.bootstrap(policy.domain_names())
    figures: dict[str, list[float]] = {
        "decode only": [],
        "core, fixed classifier": [],
        "embedded pipeline": [],
    }
    for _ in range(REPEATS):
        figures["decode only"].append(_decode_only(lines))
        figures["core, fixed classifier"].append(
            _throughput(lambda: Pipeline(policy, FixedClassifier()), lines)
        )
        figures["embedded pipeline"].append(
            _throughput(lambda: Pipeline(policy, classifier), lines)
        )
    medians = {name: statistics.median(values) for name, values in figures.items()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        peak = _peak_rss_mb(path)
    print(f"embedded pipeline, {N:,} demo samples, one process, median of {REPEATS} runs:")
    for name, rate in medians.items():
        print(f"  {name:24} {rate:>10,.0f} samples/s")
    print(f"  peak memory of `safety-monitor run` over the file: {peak:,.0f} MB")
    print("  target: embedded pipeline >= 5,000 samples/s")
    return {**medians, "peak_rss_mb": peak}


if __name__ == "__main__":
    main()
