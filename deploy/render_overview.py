"""Render the posture overview picture of the README from real metric data.

    python deploy/render_overview.py                      # docs/posture-overview.png
    python deploy/render_overview.py --samples 20000 --out /tmp/overview.png

Runs the demo pipeline in-process (the same runner, classifier and metrics as
``safety-monitor run --source demo``) for N samples, then reads the posture counters back
out of its Prometheus registry, exactly what the "Posture overview" dashboard divides:
``safety_monitor_posture_events_total / safety_monitor_posture_observations_total`` per
domain and model, against ``safety_monitor_posture_intended_max``. The figure itself is
:func:`monitor.plots.posture_overview_figure`, shared with the HTML report.

The default of 150,000 samples covers both scripted incidents of the demo (the cyber
under-refusal of ``atlas-2026-11`` and the regulated-advice over-refusal of
``atlas-mini-2026-02`` from sample 120,000).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from itertools import islice
from pathlib import Path

from prometheus_client import CollectorRegistry

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "docs" / "posture-overview.png"


def run_demo(samples: int, seed: int = 0):
    """Run the embedded monitor on demo traffic; returns (policy, metrics)."""
    from classifiers import Classifier
    from monitor.dead_letters import DeadLetters
    from monitor.demo import demo_samples
    from monitor.metrics import Metrics
    from monitor.pipeline import Pipeline
    from monitor.policy import load_policy
    from monitor.runner import run

    policy = load_policy()
    pipeline = Pipeline(policy, Classifier.bootstrap(policy.domain_names()))
    metrics = Metrics(CollectorRegistry())
    run(
        islice(demo_samples(seed=seed), samples),
        pipeline,
        source_name="demo",
        dead_letters=DeadLetters(None),
        metrics=metrics,
        batch_size=512,
    )
    return policy, metrics


def rates_from_registry(
    registry: CollectorRegistry, metrics=("under_refusal_rate", "over_refusal_rate")
):
    """Posture rates per (domain, model) from the exported counters, summed over surfaces."""
    from monitor.corrected_rates import wilson
    from monitor.posture_summary import PostureRate

    counts: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    bounds: dict[tuple[str, str], float] = {}
    for family in registry.collect():
        for s in family.samples:
            labels = s.labels
            if labels.get("metric") not in metrics:
                continue
            if s.name == "safety_monitor_posture_events_total":
                counts[(labels["domain"], labels["model"], labels["metric"])][0] += s.value
            elif s.name == "safety_monitor_posture_observations_total":
                counts[(labels["domain"], labels["model"], labels["metric"])][1] += s.value
            elif s.name == "safety_monitor_posture_intended_max":
                bounds[(labels["domain"], labels["metric"])] = s.value
    rates = []
    for (domain, model, metric), (events, n) in sorted(counts.items()):
        if n <= 0:
            continue
        rate, low, high = wilson(int(events), int(n))
        # Rounding can put an end a hair past the rate at 0 or 1; matplotlib rejects that.
        low, high = min(low, rate), max(high, rate)
        rates.append(
            PostureRate(
                domain, model, metric, int(events), int(n), rate, low, high,
                intended_max=bounds.get((domain, metric)),
            )
        )  # fmt: skip
    return rates


def render(samples: int, out: Path, seed: int = 0, min_n: int = 30) -> Path:
    from monitor.plots import posture_overview_figure

    policy, metrics = run_demo(samples, seed)
    rates = rates_from_registry(metrics.registry)
    fig = posture_overview_figure(
        rates,
        policy,
        min_n=min_n,
        title=f"Posture per domain and model vs the intended maximum "
        f"(demo traffic, {samples:,} samples, from the exported metrics)",
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, bbox_inches="tight", facecolor="white")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=150_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-n", type=int, default=30, help="hide rates on fewer requests")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    path = render(args.samples, args.out, seed=args.seed, min_n=args.min_n)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
