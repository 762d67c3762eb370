"""The embedded runner: one process, samples from a source through the pipeline to the sinks.

Records are read in small batches (the classifiers are vectorised), decoded, and handed to
the :class:`~monitor.pipeline.Pipeline`; what it returns goes to the alert sinks, the
verdict file, the metrics and the progress line. A malformed record is dead-lettered with its
reason and the stream goes on. SIGINT and SIGTERM stop it after the batch in hand, and
everything held is flushed.
"""

from __future__ import annotations

import datetime as dt
import signal
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO

import structlog

from alerts.sinks import AlertSink
from monitor.contract import ContractError, Label, Sample, decode_label, decode_sample, encode
from monitor.dead_letters import DeadLetters
from monitor.metrics import Metrics
from monitor.pipeline import BatchResult, Pipeline
from monitor.progress import Progress
from monitor.sources import RawRecord

log = structlog.get_logger("safety_monitor.runner")


@dataclass
class RunStats:
    samples: int = 0
    valid: int = 0
    dead_letters: int = 0
    alerts: int = 0
    labels: int = 0
    sink_errors: int = 0
    elapsed_s: float = 0.0
    stopped_by_signal: bool = False


class StopFlag:
    """Set by SIGINT/SIGTERM; the runner checks it between batches."""

    def __init__(self) -> None:
        self.stopped = False

    def __call__(self, signum: int, frame: object) -> None:
        self.stopped = True

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self)


def decode_batch(
    records: Sequence[Sample | RawRecord], dead_letters: DeadLetters, metrics: Metrics | None
) -> list[Sample]:
    """Samples of a batch; the rest go to the dead letters with their reasons."""
    samples: list[Sample] = []
    for record in records:
        if isinstance(record, Sample):
            samples.append(record)
            continue
        try:
            if record.oversized:
                raise ContractError(
                    f"record is {record.oversized} bytes, over the {len(record.data)} limit"
                )
            samples.append(decode_sample(record.data))
        except ContractError as exc:
            kind = dead_letters.add(
                record.data, record.origin, str(exc), size=record.oversized or None
            )
            if metrics is not None:
                metrics.dead_letter(kind)
    return samples


def run(
    records: Iterable[Sample | RawRecord],
    pipeline: Pipeline,
    *,
    source_name: str,
    alert_sinks: Sequence[AlertSink] = (),
    dead_letters: DeadLetters,
    metrics: Metrics | None = None,
    verdicts_out: IO[bytes] | None = None,
    max_samples: int | None = None,
    batch_size: int = 256,
    rate: float = 0.0,
    progress: Progress | None = None,
    stop: StopFlag | None = None,
    labels: Iterable[RawRecord] = (),
) -> RunStats:
    """Run until the source ends, ``max_samples`` are read, or ``stop`` is set."""
    stats = RunStats()
    stop = stop or StopFlag()
    progress = progress or Progress(enabled=False)
    started = time.perf_counter()
    feedback = LabelFeed(labels, pipeline, dead_letters, metrics)
    stream: Iterator[Sample | RawRecord] = iter(records)
    if max_samples is not None:
        stream = islice(stream, max_samples)
    try:
        while not stop.stopped:
            batch = list(islice(stream, batch_size))
            if not batch:
                break
            read_at = time.perf_counter()
            samples = decode_batch(batch, dead_letters, metrics)
            if samples:
                feedback.until(samples[-1].timestamp)
                result = pipeline.process(samples)
            else:  # a batch of nothing but dead letters
                result = BatchResult([], [], set())
            done_at = time.perf_counter()
            stats.samples += len(batch)
            stats.valid += len(samples)
            stats.dead_letters = dead_letters.count
            if verdicts_out is not None:
                verdicts_out.write(b"".join(encode(v) + b"\n" for v in result.verdicts))
            for alert in result.alerts:
                stats.alerts += 1
                for sink in alert_sinks:
                    try:
                        sink.emit(alert)
                    except Exception:
                        # A sink that cannot take the alert (disk full, outbox locked) must
                        # not stop the stream; the event goes to the log whole instead.
                        stats.sink_errors += 1
                        log.exception("alert sink failed", event=encode(alert).decode())
                if progress.enabled:
                    progress.alert(alert)  # logs would tear the live display
                    continue
                log.warning(
                    "alert",
                    status=alert.status,
                    rule=alert.rule,
                    metric=alert.metric,
                    severity=alert.severity,
                    domain=alert.segment.domain,
                    model=alert.segment.model,
                    surface=alert.segment.surface,
                    observed=alert.observed,
                    baseline=alert.baseline,
                    intended_max=alert.intended_max,
                    sample_id=alert.detected_at_sample_id,
                    dedup_key=alert.dedup_key,
                )
            if metrics is not None:
                metrics.samples.labels(source_name).inc(len(batch))
                metrics.observe_batch(samples, result, pipeline)
                # Every sample of the batch waited for the whole batch.
                for _ in samples:
                    metrics.latency.observe(done_at - read_at)
                for alert in result.alerts:
                    metrics.observe_alert(alert)
            progress.update(
                samples=stats.samples,
                alerts=stats.alerts,
                dead_letters=dead_letters.count,
                segments=len(pipeline.segments),
            )
            if rate > 0:
                _throttle(started, stats.samples, rate)
        if not stop.stopped:
            feedback.until(None)  # labels later than the last sample still find theirs
        stats.labels = feedback.applied
    finally:
        stats.stopped_by_signal = stop.stopped
        stats.elapsed_s = time.perf_counter() - started
        progress.close()
        for sink in alert_sinks:
            sink.close()
        dead_letters.close()
        if verdicts_out is not None:
            verdicts_out.flush()
    return stats


class LabelFeed:
    """Replays labels in time order beside the samples: a label is given to the pipeline
    once the stream has reached its timestamp (at once when it has none)."""

    def __init__(
        self,
        records: Iterable[RawRecord],
        pipeline: Pipeline,
        dead_letters: DeadLetters,
        metrics: Metrics | None,
    ) -> None:
        self._records = iter(records)
        self._pipeline = pipeline
        self._dead_letters = dead_letters
        self._metrics = metrics
        self._next: Label | None = None
        self.applied = 0

    def until(self, now: dt.datetime | None) -> None:
        """Hand over every label up to ``now`` (all of them when ``now`` is None)."""
        while True:
            label = self._next or self._read()
            if label is None:
                return
            if now is not None and label.timestamp is not None and label.timestamp > now:
                self._next = label
                return
            self._next = None
            self._pipeline.add_label(label)
            self.applied += 1

    def _read(self) -> Label | None:
        for record in self._records:
            try:
                return decode_label(record.data)
            except ContractError as exc:
                kind = self._dead_letters.add(record.data, record.origin, str(exc))
                if self._metrics is not None:
                    self._metrics.dead_letter(kind)
        return None


def _throttle(started: float, samples: int, rate: float) -> None:
    ahead = samples / rate - (time.perf_counter() - started)
    if ahead > 0:
        time.sleep(ahead)


def default_dead_letter_path(alerts_out: str | Path | None) -> Path:
    """Beside the alerts file when there is one, else in the working directory."""
    if alerts_out:
        return Path(alerts_out).with_name("dead-letters.jsonl")
    return Path("dead-letters.jsonl")
