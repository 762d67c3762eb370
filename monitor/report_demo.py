"""Inputs for a demo posture report: demo traffic, verdicts, alerts, review tasks and labels.

Writes the files ``safety-monitor report`` reads, for the demo stream, so a report (or a
README picture) can be made without a labelling team:

* ``samples.jsonl``: :func:`monitor.demo.demo_samples` with a compressed script (the rollout
  and the over-refusal incident both happen within a few hours of sample time);
* ``verdicts.jsonl`` and ``alerts.jsonl``: the monitor's own (pipeline and shipped
  classifiers) on that stream;
* ``tasks.jsonl``: :class:`monitor.review_queue.ReviewSelector` over the stream;
* ``labels.jsonl``: simulated labellers (:func:`monitor.demo_labels.simulate_labels`) on
  every task, two per task, plus an adjudicator on half the ties.

>>> import tempfile
>>> paths = write_demo_inputs(tempfile.mkdtemp(), samples=500, seed=1)
>>> sorted(paths)
['alerts', 'labels', 'samples', 'tasks', 'verdicts']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import msgspec

from classifiers import Classifier
from monitor.adjudication import adjudicate
from monitor.contract import (
    AlertEvent,
    Verdict,
    encode,
)
from monitor.demo import DemoScript, demo_with_truth
from monitor.demo_labels import simulate_labels
from monitor.pipeline import Pipeline
from monitor.policy import load_policy
from monitor.review_queue import ReviewSelector, select_tasks

#: The demo script squeezed into about 5 hours of sample time at 1 sample/s.
COMPRESSED = DemoScript(rollout_at=2_500, over_refusal_at=9_000, samples_per_second=1.0)


def write_demo_inputs(
    directory: str | Path,
    *,
    samples: int = 16_000,
    seed: int = 0,
    budget_per_hour: int = 120,
    script: DemoScript = COMPRESSED,
) -> dict[str, Path]:
    """Write the five demo files into ``directory``; returns their paths by name."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    policy = load_policy()
    pairs = list(demo_with_truth(seed=seed, script=script, limit=samples))
    stream = [sample for sample, _ in pairs]
    truth = {sample.sample_id: t for sample, t in pairs}
    pipeline = Pipeline(policy, Classifier.bootstrap(policy.domain_names()))
    verdicts: list[Verdict] = []
    alerts: list[AlertEvent] = []
    for i in range(0, len(stream), 256):  # the monitor itself, as the embedded runner runs it
        result = pipeline.process(stream[i : i + 256])
        verdicts += result.verdicts
        alerts += result.alerts
    selector = ReviewSelector(
        budget_per_hour,
        seed=seed,
        policy=policy,
        expected_per_hour=3600 * script.samples_per_second,
    )
    tasks = list(select_tasks(zip(stream, verdicts, strict=True), alerts, selector))
    by_id = {s.sample_id: s for s in stream}
    labels = simulate_labels(
        [(by_id[t.sample.sample_id], truth[t.sample.sample_id]) for t in tasks], seed=seed
    )
    # An adjudicator settles every other tie, the rest stay queued.
    truth_labels = simulate_labels(
        [(by_id[d.sample_id], truth[d.sample_id]) for d in adjudicate(labels).queue[::2]],
        raters={"adjudicator": 0.0},
        per_sample=1,
        seed=seed,
    )
    labels += [msgspec.structs.replace(lab, source="adjudicator") for lab in truth_labels]
    paths = {
        name: out / f"{name}.jsonl" for name in ("samples", "verdicts", "alerts", "tasks", "labels")
    }
    _write(paths["samples"], stream)
    _write(paths["verdicts"], verdicts)
    _write(paths["alerts"], alerts)
    _write(paths["tasks"], tasks)
    _write(paths["labels"], labels)
    return paths


def _write(path: Path, records: Sequence[msgspec.Struct]) -> None:
    path.write_bytes(b"".join(encode(r) + b"\n" for r in records))
