"""Adjudication: one answer per sample and label field from several labellers.

Per field: an explicit adjudicator label (``source: "adjudicator"``) wins; otherwise the
strict majority of the independent raters' latest labels; a tie (or a single rater when more
are required) goes to the adjudicator queue with its votes. Labels from a gold set
(``source: "gold"``) are authoritative like an adjudicator's.

>>> from monitor.contract import Label
>>> labels = [Label("s-1", "human", request="allowed", labeler="a"),
...           Label("s-1", "human", request="allowed", labeler="b"),
...           Label("s-1", "human", request="disallowed", labeler="c")]
>>> result = adjudicate(labels)
>>> result.items["s-1"].request, result.items["s-1"].methods["request"]
('allowed', 'majority')
>>> result.queue
[]
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from monitor.agreement import LABEL_FIELDS, rater_labels
from monitor.contract import Label

AUTHORITATIVE_SOURCES = ("adjudicator", "gold")


class AdjudicatedLabel(msgspec.Struct, frozen=True, omit_defaults=True):
    """The settled label of one sample: fields, how each was settled, and by how many."""

    sample_id: str
    domain: str | None = None
    request: str | None = None
    response: str | None = None
    harmful: bool | None = None
    #: Per field: ``adjudicator``, ``unanimous``, ``majority`` or ``single``.
    methods: dict[str, str] = msgspec.field(default_factory=dict)
    #: Independent raters behind it.
    raters: list[str] = msgspec.field(default_factory=list)

    def value(self, name: str) -> Any:
        return getattr(self, name)


@dataclass(frozen=True)
class Dispute:
    """A field the raters tied on, waiting for an adjudicator."""

    sample_id: str
    field: str
    votes: dict[str, int]


@dataclass
class Adjudication:
    items: dict[str, AdjudicatedLabel] = field(default_factory=dict)
    queue: list[Dispute] = field(default_factory=list)


def adjudicate(
    labels: Iterable[Label], *, min_raters: int = 1, fields: tuple[str, ...] = LABEL_FIELDS
) -> Adjudication:
    """Settle every field of every labelled sample (see the module docstring).

    ``min_raters``: raters a field needs to be settled without an adjudicator; with fewer it
    is queued (use 2 to make every gold item double-labelled).
    """
    labels = list(labels)
    authority: dict[str, dict[str, Any]] = defaultdict(dict)
    for label in labels:  # later lines win, as a correction should
        if label.source in AUTHORITATIVE_SOURCES:
            for name in fields:
                value = getattr(label, name)
                if value is not None:
                    authority[label.sample_id][name] = value
    raters = rater_labels(labels)
    result = Adjudication()
    for sample_id in sorted(set(raters) | set(authority)):
        votes_by_rater = raters.get(sample_id, {})
        values: dict[str, Any] = {}
        methods: dict[str, str] = {}
        for name in fields:
            if name in authority[sample_id]:
                values[name], methods[name] = authority[sample_id][name], "adjudicator"
                continue
            votes = Counter(
                getattr(lab, name)
                for lab in votes_by_rater.values()
                if getattr(lab, name) is not None
            )
            if not votes:
                continue
            total = sum(votes.values())
            (top, top_n), *rest = votes.most_common()
            if total < min_raters or (rest and rest[0][1] == top_n):
                result.queue.append(Dispute(sample_id, name, {str(k): n for k, n in votes.items()}))
                continue
            values[name] = top
            methods[name] = "single" if total == 1 else "unanimous" if not rest else "majority"
        if values:
            result.items[sample_id] = AdjudicatedLabel(
                sample_id=sample_id, **values, methods=methods, raters=sorted(votes_by_rater)
            )
    return result
