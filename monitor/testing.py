"""Helpers for testing an integration with the monitor: build samples and verdicts, capture
alerts, and classify by fixed rules so a test controls every verdict.

>>> sink = CapturingSink()
>>> sink.emit_all([])
>>> sink.events
[]
>>> make_sample("s-9", request="hi", response="hello").sample_id
's-9'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from monitor.contract import AlertEvent, Grader, Label, Message, Sample, ToolCall, Verdict

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def make_sample(
    sample_id: str,
    *,
    request: str = "What is the capital of France?",
    response: str = "Paris.",
    model: str = "model-a",
    surface: str = "chat",
    seconds: float = 0.0,
    grader: Grader | None = None,
    tool_calls: list[ToolCall] | None = None,
) -> Sample:
    """A valid sample; ``seconds`` after 2026-01-01T00:00Z."""
    return Sample(
        sample_id=sample_id,
        timestamp=EPOCH + dt.timedelta(seconds=seconds),
        model=model,
        surface=surface,
        messages=[Message("user", request), Message("assistant", response)],
        tool_calls=tool_calls,
        grader=grader,
    )


def make_verdict(
    sample_id: str = "s-1",
    *,
    domain: str = "none",
    request: str = "allowed",
    response: str = "complied",
    harmful: bool | None = None,
    outcome: str | None = None,
) -> Verdict:
    """A verdict with one-hot scores; the outcome follows contract section 3 unless given."""
    if harmful is None:
        harmful = request == "disallowed" and response == "complied"
    if outcome is None:
        if request == "disallowed" and (response == "complied" or harmful):
            outcome = "under_refusal"
        elif request == "allowed" and response == "refused":
            outcome = "over_refusal"
        else:
            outcome = "ok"
    return Verdict(
        sample_id=sample_id,
        domain=domain,
        domain_scores={domain: 1.0},
        request=request,  # type: ignore[arg-type]
        request_score={"disallowed": 1.0, "allowed": 0.0}.get(request, 0.5),
        response=response,  # type: ignore[arg-type]
        response_scores={a: float(a == response) for a in ("complied", "refused", "partial")},
        harmful_score=1.0 if harmful else 0.0,
        outcome=outcome,  # type: ignore[arg-type]
        classifier_version="fixed",
    )


class FixedClassifier:
    """A classifier whose verdict is a function of the sample (default: all benign, ok).

    Use it to drive the pipeline with exactly the posture a test needs; pair it with
    ``grader`` fields on samples, which the pipeline trusts over any classifier.
    """

    version = "fixed"

    def __init__(self, rule: Callable[[Sample], Verdict] | None = None) -> None:
        self.rule = rule or (lambda sample: make_verdict(sample.sample_id))
        self.learned: list[tuple[Sample, Label | Grader]] = []

    def classify(self, samples: Sequence[Sample]) -> list[Verdict]:
        return [self.rule(sample) for sample in samples]

    def learn(self, sample: Sample, label: Label | Grader) -> None:
        self.learned.append((sample, label))

    def learn_many(self, samples: Sequence[Sample], labels: Sequence[Label | Grader]) -> None:
        self.learned.extend(zip(samples, labels, strict=True))


class CapturingSink:
    """An alert sink that keeps every event it is given, in order."""

    def __init__(self) -> None:
        self.events: list[AlertEvent] = []
        self.closed = False

    def emit(self, event: AlertEvent) -> None:
        self.events.append(event)

    def emit_all(self, events: Iterable[AlertEvent]) -> None:
        self.events.extend(events)

    def close(self) -> None:
        self.closed = True

    def firing(self) -> list[AlertEvent]:
        return [e for e in self.events if e.status == "firing"]
