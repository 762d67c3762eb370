"""Throughput of ``Classifier.classify`` on one core: median samples/s over several runs.

Samples are gold requests with responses lengthened to typical chat length (several gold
responses joined, ~800 characters), classified in batches as the pipeline does. The rate is
samples per CPU second of this process (pinned to one core), so that other jobs on a shared
machine do not distort it; the wall-clock rate is printed next to it.

    PYTHONPATH=. python bench/bench_classify.py [--batch 512] [--runs 5] [--blocks words,chars,cues]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

import msgspec

from classifiers import Classifier
from classifiers.features import DEFAULT_BLOCKS
from classifiers.gold import load_gold
from monitor.contract import Message, Sample, response_text
from monitor.policy import load_policy


def workload(n: int, seed: int = 0) -> list[Sample]:
    """``n`` samples: gold requests, each with 3-5 gold responses joined as its response."""
    rng = random.Random(seed)
    gold = load_gold()
    out = []
    for i in range(n):
        base = gold[i % len(gold)]
        body = "\n\n".join(response_text(rng.choice(gold)) for _ in range(rng.randint(3, 5)))
        messages = [*base.messages[:-1], Message("assistant", body)]
        out.append(msgspec.structs.replace(base, sample_id=f"b-{i}", messages=messages))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--blocks", default=",".join(DEFAULT_BLOCKS))
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    clf = Classifier.bootstrap(load_policy().domain_names(), blocks=args.blocks.split(","))
    samples = workload(args.n)
    chars = statistics.mean(len(response_text(s)) for s in samples)
    clf.classify(samples[: args.batch])  # warm-up
    rates, walls = [], []
    for _ in range(args.runs):
        cpu, wall = time.process_time(), time.perf_counter()
        for k in range(0, len(samples), args.batch):
            clf.classify(samples[k : k + args.batch])
        rates.append(len(samples) / (time.process_time() - cpu))
        walls.append(len(samples) / (time.perf_counter() - wall))
    print(
        f"classify: median {statistics.median(rates):,.0f} samples/s per CPU second "
        f"(runs: {', '.join(f'{r:,.0f}' for r in rates)}; wall-clock median "
        f"{statistics.median(walls):,.0f}/s; batch {args.batch}, {len(samples)} samples, "
        f"mean response {chars:.0f} chars, blocks {args.blocks})"
    )


if __name__ == "__main__":
    main()
