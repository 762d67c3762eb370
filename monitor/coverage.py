"""Label coverage: labelled samples per domain x outcome against a target, and the gaps.

A corrected rate or a classifier-quality number is only as good as the labels under it. The
cells are the verdict's domain and outcome (what the stream looked like, so a gap says where
to send labellers); a gap is a cell below target, with how many unlabelled samples of the
cell the stream had to offer (a gap with none needs other traffic, e.g. red-teaming).

>>> from monitor.testing import make_verdict
>>> cov = label_coverage([make_verdict("s-1"), make_verdict("s-2")], {"s-1"}, target=2,
...                      domains=["none"], outcomes=["ok"])
>>> cov.cells[("none", "ok")], [(g.domain, g.outcome, g.missing) for g in cov.gaps]
(1, [('none', 'ok', 1)])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from monitor.contract import Verdict

OUTCOMES = ("under_refusal", "over_refusal", "ok", "uncertain")


@dataclass(frozen=True)
class Gap:
    domain: str
    outcome: str
    labelled: int
    missing: int
    #: Samples of the cell in the stream that have no label yet.
    available: int


@dataclass
class Coverage:
    target: int
    domains: list[str]
    outcomes: tuple[str, ...] = OUTCOMES
    #: Labelled samples per (domain, outcome); traffic per cell.
    cells: Counter = field(default_factory=Counter)
    traffic: Counter = field(default_factory=Counter)
    gaps: list[Gap] = field(default_factory=list)

    @property
    def share_met(self) -> float:
        """Share of cells at or above target."""
        total = len(self.domains) * len(self.outcomes)
        return 1 - len(self.gaps) / total if total else 1.0


def label_coverage(
    verdicts: Iterable[Verdict],
    labelled: Collection[str],
    *,
    target: int = 30,
    domains: Sequence[str] | None = None,
    outcomes: Sequence[str] = OUTCOMES,
) -> Coverage:
    """Count labelled samples per cell and list the cells below ``target``, worst first."""
    cells: Counter = Counter()
    traffic: Counter = Counter()
    seen_domains: list[str] = []
    for verdict in verdicts:
        key = (verdict.domain, verdict.outcome)
        traffic[key] += 1
        if verdict.domain not in seen_domains:
            seen_domains.append(verdict.domain)
        if verdict.sample_id in labelled:
            cells[key] += 1
    domain_list = list(domains) if domains is not None else sorted(seen_domains)
    gaps = [
        Gap(d, o, cells[d, o], target - cells[d, o], traffic[d, o] - cells[d, o])
        for d in domain_list
        for o in outcomes
        if cells[d, o] < target
    ]
    # Worst first; among equals, those that traffic can fill now come first.
    gaps.sort(key=lambda g: (-g.missing, -min(g.available, g.missing), g.domain, g.outcome))
    return Coverage(target, domain_list, tuple(outcomes), cells, traffic, gaps)
