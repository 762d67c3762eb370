"""What a posture report reads: verdicts joined with their samples, alerts, labels, tasks.

Verdicts (contract section 3) carry no model, surface or time, so a report joins them with
the samples they judged, by ``sample_id``. Three layouts of ``--input`` are accepted, line by
line (they may even be mixed):

* a **verdict** (has ``outcome``): joined with ``--samples`` (a sample JSONL file, e.g. the
  one the monitor read); without it, model and surface are ``unknown`` and time filters
  cannot apply;
* a **combined record** ``{"sample": {...}, "verdict": {...}}``: self-contained;
* a **sample** (has ``messages``): classified on the fly by the ``classify`` callable given
  (the CLI passes the shipped classifiers, with upstream grader verdicts applied).

Malformed lines are counted and skipped, never fatal (a report over a large file should not
die on one bad line); the count is shown in the report.

>>> import tempfile, pathlib, msgspec
>>> from monitor.testing import make_sample, make_verdict
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "v.jsonl").write_bytes(msgspec.json.encode(make_verdict("s-1")) + b"\\n")
>>> _ = (d / "s.jsonl").write_bytes(msgspec.json.encode(make_sample("s-1", model="m2")))
>>> inputs = load_inputs(d / "v.jsonl", samples=d / "s.jsonl")
>>> [(r.sample_id, r.model) for r in inputs.records], inputs.skipped
([('s-1', 'm2')], 0)
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from monitor.contract import (
    AlertEvent,
    ContractError,
    Label,
    Sample,
    Verdict,
    decode_label,
    decode_sample,
)
from monitor.posture_summary import Record

Classify = Callable[[Sequence[Sample]], list[Verdict]]


@dataclass(frozen=True)
class SourceFile:
    role: str
    path: str
    sha256: str
    lines: int
    skipped: int


@dataclass
class ReportInputs:
    records: list[Record]
    alerts: list[AlertEvent] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    #: Sample ids in the stratified random review slice (from a tasks file), if given.
    random_slice: set[str] | None = None
    #: Random-slice inclusion probabilities by sample id.
    inclusion: dict[str, float] = field(default_factory=dict)
    files: list[SourceFile] = field(default_factory=list)
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    #: Verdicts without a sample to join (no model, surface or time).
    unjoined: int = 0
    #: Records left out by the time window.
    outside_window: int = 0
    #: The joined samples by id (only with ``keep_samples``; reports do not need them).
    samples: dict[str, Sample] = field(default_factory=dict)

    @property
    def skipped(self) -> int:
        return sum(f.skipped for f in self.files)

    @property
    def start(self) -> dt.datetime | None:
        times = [r.timestamp for r in self.records if r.timestamp is not None]
        return self.since or (min(times) if times else None)

    @property
    def end(self) -> dt.datetime | None:
        times = [r.timestamp for r in self.records if r.timestamp is not None]
        return self.until or (max(times) if times else None)


_verdict = msgspec.json.Decoder(Verdict)
_alert = msgspec.json.Decoder(AlertEvent)


class _Combined(msgspec.Struct):
    sample: Sample
    verdict: Verdict


_combined = msgspec.json.Decoder(_Combined)


def load_inputs(
    input_path: str | Path,
    *,
    samples: str | Path | None = None,
    alerts: str | Path | None = None,
    labels: str | Path | None = None,
    tasks: str | Path | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    classify: Classify | None = None,
    keep_samples: bool = False,
) -> ReportInputs:
    """Read and join the report's files; keep samples with ``since <= time < until``."""
    files: list[SourceFile] = []
    sample_index: dict[str, Sample] = {}
    if samples is not None:
        for s in _read(samples, "samples", files, decode_sample):
            sample_index[s.sample_id] = s
    pairs: list[tuple[Sample | None, Verdict]] = []
    to_classify: list[Sample] = []
    for item in _read(input_path, "input", files, _decode_input):
        if isinstance(item, _Combined):
            pairs.append((item.sample, item.verdict))
        elif isinstance(item, Verdict):
            pairs.append((sample_index.get(item.sample_id), item))
        else:
            to_classify.append(item)
    if to_classify:
        if classify is None:
            raise ValueError(f"{input_path} holds samples but no classifier was given")
        pairs.extend(zip(to_classify, classify(to_classify), strict=True))
    result = ReportInputs(records=[], since=since, until=until)
    for sample, verdict in pairs:
        if sample is None:
            result.unjoined += 1
            record = Record(verdict)
        else:
            record = Record.of(sample, verdict)
        if record.timestamp is not None and not _inside(record.timestamp, since, until):
            result.outside_window += 1
            continue
        result.records.append(record)
        if keep_samples and sample is not None:
            result.samples[sample.sample_id] = sample
    result.records.sort(key=lambda r: (r.timestamp is None, r.timestamp or dt.datetime.min))
    if alerts is not None:
        for alert in _read(alerts, "alerts", files, _alert.decode):
            if _inside(alert.detected_at, since, until):
                result.alerts.append(alert)
    if labels is not None:
        known = {r.sample_id for r in result.records}
        for label in _read(labels, "labels", files, decode_label):
            if label.sample_id in known:
                result.labels.append(label)
    if tasks is not None:
        result.random_slice = set()
        task_decoder = msgspec.json.Decoder(_TaskHead)
        for task in _read(tasks, "tasks", files, task_decoder.decode):
            if task.reason == "random_slice":
                result.random_slice.add(task.sample.sample_id)
                if task.inclusion_probability:
                    result.inclusion[task.sample.sample_id] = task.inclusion_probability
    result.files = files
    return result


def _decode_input(line: bytes) -> _Combined | Verdict | Sample:
    head = line[:4096]
    if b'"sample"' in head and b'"verdict"' in head:
        return _combined.decode(line)
    if b'"outcome"' in line and b'"messages"' not in head:
        return _verdict.decode(line)
    return decode_sample(line)


class _SampleId(msgspec.Struct):
    sample_id: str


class _TaskHead(msgspec.Struct):
    """Just what a report needs of a review task."""

    sample: _SampleId
    reason: str
    inclusion_probability: float | None = None


def _inside(t: dt.datetime, since: dt.datetime | None, until: dt.datetime | None) -> bool:
    return (since is None or t >= since) and (until is None or t < until)


def _read(path: str | Path, role: str, files: list[SourceFile], decode: Callable) -> list:
    """Each non-blank line of a file decoded; bad ones are counted in its :class:`SourceFile`."""
    digest = hashlib.sha256()
    out = []
    count = skipped = 0
    with open(path, "rb") as f:
        for line in f:
            digest.update(line)
            if not line.strip():
                continue
            count += 1
            try:
                out.append(decode(line))
            except (ContractError, msgspec.DecodeError, ValueError):
                skipped += 1
    files.append(SourceFile(role, str(path), digest.hexdigest(), count, skipped))
    return out
