"""Inputs for a demo posture report: demo traffic, verdicts, alerts, review tasks and labels.

Writes the files ``safety-monitor report`` reads, for the demo stream, so a report (or a
README picture) can be made without a labelling team:

* ``samples.jsonl``: :func:`monitor.demo.demo_samples` with a compressed script (the rollout
  and the over-refusal incident both happen within a few hours of sample time);
* ``verdicts.jsonl``: the shipped classifiers' verdicts when they can be imported, else the
  stand-in :func:`monitor.demo_labels.noisy_verdicts`;
* ``alerts.jsonl``: the monitor's alerts when the pipeline can run, else those of a simple
  windowed breach rule (a stand-in, with the same event format);
* ``tasks.jsonl``: :class:`monitor.review_queue.ReviewSelector` over the stream;
* ``labels.jsonl``: simulated labellers (:func:`monitor.demo_labels.simulate_labels`) on
  every task, two per task, plus an adjudicator on half the ties.

>>> import tempfile
>>> paths = write_demo_inputs(tempfile.mkdtemp(), samples=500, seed=1)
>>> sorted(paths)
['alerts', 'labels', 'samples', 'tasks', 'verdicts']
"""

from __future__ import annotations

import uuid
from collections import defaultdict, deque
from collections.abc import Sequence
from pathlib import Path

import msgspec

from monitor.adjudication import adjudicate
from monitor.contract import (
    AlertEvent,
    Evidence,
    Sample,
    Segment,
    Verdict,
    encode,
    request_text,
    response_text,
)
from monitor.corrected_rates import wilson
from monitor.demo import DemoScript, demo_samples
from monitor.demo_labels import noisy_verdicts, simulate_labels
from monitor.evidence import excerpt
from monitor.policy import Policy, load_policy
from monitor.posture import observations
from monitor.posture_summary import intended_max
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
    stream = list(demo_samples(seed=seed, script=script, limit=samples))
    verdicts = _verdicts(stream, policy, seed)
    alerts = _alerts(stream, verdicts, policy)
    selector = ReviewSelector(
        budget_per_hour,
        seed=seed,
        policy=policy,
        expected_per_hour=3600 * script.samples_per_second,
    )
    tasks = list(select_tasks(zip(stream, verdicts, strict=True), alerts, selector))
    by_id = {s.sample_id: s for s in stream}
    labels = simulate_labels([by_id[t.sample.sample_id] for t in tasks], seed=seed)
    # An adjudicator settles every other tie, the rest stay queued.
    truth_labels = simulate_labels(
        [by_id[d.sample_id] for d in adjudicate(labels).queue[::2]],
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


def _verdicts(stream: list[Sample], policy: Policy, seed: int) -> list[Verdict]:
    try:
        from classifiers import Classifier  # the trained classifiers, where present

        classifier = Classifier.bootstrap(policy.domain_names())
        return classifier.classify(stream)
    except (ImportError, AttributeError):
        return noisy_verdicts(stream, seed=seed)


def _alerts(stream: list[Sample], verdicts: list[Verdict], policy: Policy) -> list[AlertEvent]:
    """A windowed ``posture_breach`` rule: fire when the last ``window`` observations' Wilson
    interval is wholly above the intended maximum, resolve when wholly at or below it."""
    window, min_n = 200, 50
    streams: dict[tuple, deque] = defaultdict(lambda: deque(maxlen=window))
    events: dict[tuple, deque] = defaultdict(lambda: deque(maxlen=3))
    open_: set[tuple] = set()
    alerts = []
    for sample, verdict in zip(stream, verdicts, strict=True):
        seg = (verdict.domain, sample.model, sample.surface)
        for metric, event in observations(verdict):
            bound = intended_max(policy, verdict.domain, metric)
            if bound is None:
                continue
            key = (*seg, metric)
            streams[key].append(event)
            if event:
                events[key].append(
                    Evidence(sample.sample_id, excerpt(request_text(sample), response_text(sample)))
                )
            obs = streams[key]
            if len(obs) < min_n:
                continue
            rate, low, high = wilson(sum(obs), len(obs), 0.99)
            status = None
            if key not in open_ and low > bound:
                status = "firing"
                open_.add(key)
            elif key in open_ and high <= bound:
                status = "resolved"
                open_.discard(key)
            if status is None:
                continue
            domain = policy.domain(verdict.domain)
            dedup = str(
                uuid.uuid5(uuid.NAMESPACE_URL, "|".join(["demo", "posture_breach", metric, *seg]))
            )
            alerts.append(
                AlertEvent(
                    alert_id=str(uuid.uuid5(uuid.NAMESPACE_URL, dedup + sample.sample_id)),
                    dedup_key=dedup,
                    status=status,  # type: ignore[arg-type]
                    severity=domain.severity or "warning",
                    rule="posture_breach",
                    metric=metric,
                    segment=Segment(*seg),
                    baseline=None,
                    observed=round(rate, 6),
                    intended_max=bound,
                    detected_at=sample.timestamp,
                    detected_at_sample_id=sample.sample_id,
                    evidence=list(reversed(events[key])),
                    owners=list(domain.owners),
                    runbook_url=domain.runbook_url,
                    summary=f"{metric} of {'/'.join(seg)} at {rate:.1%} (max {bound:.1%})",
                )
            )
    return alerts
