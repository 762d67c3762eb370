"""Agreement between labellers: Cohen's kappa, Fleiss' kappa and Krippendorff's alpha.

* :func:`cohen_kappa`: two raters on the same items (scikit-learn's implementation).
* :func:`fleiss_kappa`: any number of raters per item, from an items x categories count
  table. Items may have different numbers of ratings (the usual generalisation: each item's
  agreement is over its own rating pairs); with a constant number it is Fleiss (1971).
* :func:`krippendorff_alpha`: nominal alpha (the ``krippendorff`` package), missing
  ratings allowed.

:func:`agreement_table` applies them to labels (contract section 2) per domain and label
field.

>>> round(cohen_kappa(["a", "a", "b", "b"], ["a", "b", "b", "b"]), 4)
0.5
>>> round(krippendorff_alpha([["a", "a"], ["a", "b"], ["b", "b"], ["b", "b"]]), 4)
0.5333
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from monitor.contract import Label

LABEL_FIELDS = ("domain", "request", "response", "harmful")
#: Label sources that are not independent raters (see :mod:`monitor.adjudication`).
NON_RATER_SOURCES = frozenset({"adjudicator", "gold"})


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa of two raters' labels on the same items (NaN when undefined)."""
    from sklearn.metrics import cohen_kappa_score

    if len(a) != len(b):
        raise ValueError("the two raters must label the same items")
    if not a:
        return float("nan")
    a_, b_ = [str(x) for x in a], [str(x) for x in b]
    if len(set(a_) | set(b_)) == 1:
        return float("nan")  # one category only: chance agreement is 1, kappa 0/0
    return float(cohen_kappa_score(a_, b_))


def fleiss_kappa(counts: np.ndarray | Sequence[Sequence[int]]) -> float:
    """Fleiss' kappa from ``counts[i, j]``: raters who put item ``i`` in category ``j``.

    Items with fewer than two ratings carry no agreement and are skipped.

    >>> round(fleiss_kappa([[2, 0], [1, 1], [0, 2], [0, 2]]), 4)
    0.4667
    """
    table = np.asarray(counts, dtype=float)
    n = table.sum(axis=1)
    table, n = table[n >= 2], n[n >= 2]
    if len(table) == 0:
        return float("nan")
    p_item = ((table * (table - 1)).sum(axis=1)) / (n * (n - 1))
    p_bar = float(p_item.mean())
    p_cat = table.sum(axis=0) / table.sum()
    p_e = float((p_cat**2).sum())
    if p_e >= 1.0:
        return float("nan")
    return (p_bar - p_e) / (1.0 - p_e)


def krippendorff_alpha(units: Sequence[Sequence[Hashable | None]]) -> float:
    """Nominal Krippendorff's alpha; ``units[i]`` holds item ``i``'s ratings (None = missing).

    Units may have different numbers of ratings; those with fewer than two are not pairable.
    """
    import krippendorff

    values = sorted({str(v) for unit in units for v in unit if v is not None})
    if len(values) < 2:
        return float("nan")
    code = {v: i for i, v in enumerate(values)}
    width = max((len(u) for u in units), default=0)
    # krippendorff wants raters x units; raters here are rating slots (nominal alpha does
    # not depend on which rater gave which rating, only on the values within a unit).
    data = np.full((width, len(units)), np.nan)
    for j, unit in enumerate(units):
        for i, v in enumerate(unit):
            if v is not None:
                data[i, j] = code[str(v)]
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    if pairable.sum() == 0:
        return float("nan")
    return float(
        krippendorff.alpha(
            reliability_data=data[:, pairable],
            level_of_measurement="nominal",
            value_domain=list(range(len(values))),
        )
    )


@dataclass(frozen=True)
class AgreementRow:
    """Agreement on one label field within one domain."""

    domain: str
    field: str
    items: int  # items with at least two ratings of this field
    ratings: int
    raters: int
    percent_agreement: float  # share of rating pairs that agree
    cohen_kappa: float | None  # only when exactly two raters labelled the items
    fleiss_kappa: float
    krippendorff_alpha: float


def rater_labels(labels: Iterable[Label]) -> dict[str, dict[str, Label]]:
    """The latest label per (sample, labeller), from independent raters only."""
    out: dict[str, dict[str, Label]] = defaultdict(dict)
    for i, label in enumerate(labels):
        if label.source in NON_RATER_SOURCES:
            continue
        rater = label.labeler or f"{label.source}#{i}"  # anonymous: each label its own rater
        held = out[label.sample_id].get(rater)
        if held is None or _later(label, held):
            out[label.sample_id][rater] = label
    return dict(out)


def agreement_table(
    labels: Iterable[Label],
    domain_of: Mapping[str, str] | Callable[[str], str | None] | None = None,
    fields: Sequence[str] = LABEL_FIELDS,
) -> list[AgreementRow]:
    """Agreement per domain and field, plus an ``all`` row per field.

    ``domain_of`` maps a sample id to its domain (e.g. the verdict's, the review stratum);
    where it gives none, the raters' most common domain label is used.
    """
    lookup = domain_of.get if isinstance(domain_of, Mapping) else domain_of
    by_sample = rater_labels(labels)
    groups: dict[str, list[str]] = defaultdict(list)
    for sample_id, raters in by_sample.items():
        domain = lookup(sample_id) if lookup else None
        if domain is None:
            votes = [lab.domain for lab in raters.values() if lab.domain is not None]
            domain = max(sorted(set(votes)), key=votes.count) if votes else "unknown"
        groups[domain].append(sample_id)
    groups["all"] = list(by_sample)
    rows = []
    for domain in sorted(groups, key=lambda d: (d == "all", d)):
        for field in fields:
            row = _agreement(domain, field, [by_sample[s] for s in groups[domain]])
            if row is not None:
                rows.append(row)
    return rows


def _agreement(domain: str, field: str, items: list[dict[str, Label]]) -> AgreementRow | None:
    units: list[list[tuple[str, str]]] = []
    for raters in items:
        unit = [(r, str(getattr(lab, field))) for r, lab in raters.items()]
        unit = [(r, v) for r, v in unit if v != "None"]
        if len(unit) >= 2:
            units.append(unit)
    if not units:
        return None
    categories = sorted({v for unit in units for _, v in unit})
    index = {c: j for j, c in enumerate(categories)}
    counts = np.zeros((len(units), len(categories)))
    agree_pairs = all_pairs = 0
    for i, unit in enumerate(units):
        for _, v in unit:
            counts[i, index[v]] += 1
        agree_pairs += int((counts[i] * (counts[i] - 1)).sum())
        all_pairs += len(unit) * (len(unit) - 1)
    raters = sorted({r for unit in units for r, _ in unit})
    cohen = None
    if len(raters) == 2:
        pairs = [dict(unit) for unit in units if len(unit) == 2]
        cohen = cohen_kappa([p[raters[0]] for p in pairs], [p[raters[1]] for p in pairs])
    return AgreementRow(
        domain=domain,
        field=field,
        items=len(units),
        ratings=int(counts.sum()),
        raters=len(raters),
        percent_agreement=agree_pairs / all_pairs,
        cohen_kappa=cohen,
        fleiss_kappa=fleiss_kappa(counts),
        krippendorff_alpha=krippendorff_alpha([[v for _, v in unit] for unit in units]),
    )


def _later(a: Label, b: Label) -> bool:
    if a.timestamp is None or b.timestamp is None:
        return True  # file order: the later line wins
    return a.timestamp >= b.timestamp
