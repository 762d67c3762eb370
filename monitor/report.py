"""Posture reports for launch reviews and system cards: HTML (self-contained) and Markdown.

:func:`build_report` turns :class:`~monitor.report_inputs.ReportInputs` and a policy into a
:class:`Report`: a list of sections made of paragraphs, bullet lists, tables and figures.
:func:`render_html` and :func:`render_markdown` print the same report two ways, so the two
never disagree. The HTML embeds its figures as base64 PNG and needs nothing else; the
Markdown links PNG files written beside it.

Sections: summary; posture per domain and model against the intended posture; alerts and
incidents; model-version comparison; rates corrected for classifier error; classifier
quality against labels; labeller agreement and calibration; label coverage; method notes.
Sections that need labels say so when there are none.

>>> from monitor.policy import load_policy
>>> from monitor.report_inputs import ReportInputs
>>> from monitor.posture_summary import Record
>>> from monitor.testing import make_verdict
>>> report = build_report(ReportInputs([Record(make_verdict("s-1"))]), load_policy())
>>> [s.id for s in report.sections][:3]
['summary', 'posture', 'alerts']
>>> "<img" in render_html(report)
True
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure

from monitor import plots
from monitor.adjudication import AdjudicatedLabel, adjudicate
from monitor.agreement import agreement_table, cohen_kappa
from monitor.contract import AlertEvent
from monitor.corrected_rates import corrected_rates
from monitor.coverage import label_coverage
from monitor.gold_set import GoldItem, GoldSet, gold_items, labeller_calibration, version_id
from monitor.policy import Policy
from monitor.posture import (
    HARMFUL_RATE,
    OVER_REFUSAL_RATE,
    UNCERTAIN_RATE,
    UNDER_REFUSAL_RATE,
)
from monitor.posture_summary import PostureRate, intended_max, posture_rates
from monitor.report_inputs import ReportInputs

# -- the document model ----------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A table cell with an optional style class (``bad``, ``good``, ``warn``, ``muted``)."""

    text: str
    cls: str = ""


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell | str]]
    caption: str = ""


@dataclass
class Image:
    name: str  # file stem for Markdown
    figure: Figure
    alt: str
    _png: str | None = None

    def data_uri(self) -> str:
        if self._png is None:
            self._png = plots.png_data_uri(self.figure)
        return self._png


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Section:
    id: str
    title: str
    blocks: list[str | Table | Image | Bullets] = field(default_factory=list)


@dataclass
class Report:
    title: str
    subtitle: str
    sections: list[Section]


# -- building -------------------------------------------------------------------------------


def build_report(
    inputs: ReportInputs,
    policy: Policy,
    *,
    title: str = "Deployment safety posture report",
    gold_path: str | Path | None = None,
    coverage_target: int = 30,
    min_n: int = 20,
) -> Report:
    """Compute every section of the report from the joined inputs.

    ``min_n``: segments with fewer samples in a rate's denominator are left out of the
    posture figure (their intervals are too wide to read) but stay in the tables.
    """
    records = inputs.records
    verdicts = [r.verdict for r in records]
    by_dm = posture_rates(records, policy, by=("domain", "model"))
    by_model = posture_rates(records, policy, by=("model",))
    adjudication = adjudicate(inputs.labels)
    truth = adjudication.items
    sections = [
        _summary(inputs, policy, by_dm, truth, len(adjudication.queue)),
        _posture(by_dm, policy, min_n),
        _alerts(inputs),
        _models(by_model, by_dm),
        _corrected(inputs, truth, policy),
        _quality(inputs, truth),
        _agreement(inputs, truth, adjudication.queue, gold_path),
        _coverage(verdicts, truth, policy, coverage_target),
        _methods(inputs, policy),
    ]
    start, end = inputs.start, inputs.end
    window = f"{_time(start)} to {_time(end)}" if start and end else "whole input"
    subtitle = (
        f"Window {window} · policy {policy.name} {policy.version} · "
        f"{len(records):,} samples · {len({r.model for r in records})} model versions"
    )
    return Report(title, subtitle, sections)


def _summary(inputs, policy, by_dm, truth, queued) -> Section:
    records = inputs.records
    above = [r for r in by_dm if r.status == "above"]
    unclear = [r for r in by_dm if r.status == "inconclusive" and r.n >= 20]
    firing = {a.dedup_key for a in inputs.alerts if a.status == "firing"}
    resolved = {a.dedup_key for a in inputs.alerts if a.status == "resolved"}
    items = [
        f"{len(records):,} samples judged; {len({r.verdict.domain for r in records})} domains, "
        f"models: {', '.join(sorted({r.model for r in records}))}.",
    ]
    if above:
        worst = sorted(above, key=lambda r: r.low - (r.intended_max or 0), reverse=True)
        more = f"; and {len(above) - 5} more (see the posture table)" if len(above) > 5 else ""
        items.append(
            f"{len(above)} segment rate(s) are above the intended maximum with 95% confidence: "
            + "; ".join(
                f"{r.metric.replace('_', ' ')} of {r.domain}/{r.model} is {_pct(r.rate)} "
                f"[{_pct(r.low)}, {_pct(r.high)}] against at most {_pct(r.intended_max)}"
                for r in worst[:5]
            )
            + more
            + "."
        )
    else:
        items.append("No segment rate is above its intended maximum with 95% confidence.")
    if unclear:
        items.append(
            f"{len(unclear)} segment rate(s) are inconclusive (the interval straddles the "
            "maximum): more traffic or labels are needed to call them."
        )
    items.append(
        f"{len(firing)} incident(s) fired in the window, {len(firing & resolved)} resolved "
        f"by its end ({len(inputs.alerts)} alert events)."
    )
    if truth:
        items.append(
            f"{len(inputs.labels):,} labels on {len(truth):,} samples; "
            f"{queued} field(s) tied and wait for an adjudicator."
        )
    else:
        items.append("No labels were given: classifier error and corrected rates are unknown.")
    if inputs.skipped:
        items.append(f"{inputs.skipped} malformed input line(s) were skipped.")
    if inputs.unjoined:
        items.append(
            f"{inputs.unjoined} verdict(s) had no sample to join (model and time unknown)."
        )
    return Section("summary", "Summary", [Bullets(items)])


def _posture(by_dm: list[PostureRate], policy: Policy, min_n: int) -> Section:
    fig = plots.posture_overview_figure(by_dm, policy, min_n=min_n)
    rows = []
    order = policy.domain_names()
    key = {d: i for i, d in enumerate(order)}
    cells: dict[tuple[str, str], dict[str, PostureRate]] = defaultdict(dict)
    for r in by_dm:
        cells[r.domain, r.model][r.metric] = r
    for (domain, model), m in sorted(cells.items(), key=lambda kv: (key.get(kv[0][0], 99), kv[0])):
        row: list[Cell | str] = [domain, model]
        for metric in (UNDER_REFUSAL_RATE, OVER_REFUSAL_RATE):
            r = m.get(metric)
            if r is None:
                row += [Cell("–", "muted"), Cell("–", "muted"), Cell("", "muted")]
                continue
            row += [
                f"{r.events:,} / {r.n:,}",
                f"{_pct(r.rate)} [{_pct(r.low)}, {_pct(r.high)}]",
                _status_cell(r),
            ]
        u = m.get(UNCERTAIN_RATE)
        row.append(_pct(u.rate) if u else "–")
        rows.append(row)
    table = Table(
        [
            "domain",
            "model",
            "under-ref. / disallowed",
            "under-refusal rate [95%]",
            "vs max",
            "over-ref. / allowed",
            "over-refusal rate [95%]",
            "vs max",
            "uncertain",
        ],
        rows,
        "Raw rates from the classifiers' verdicts, 95% Wilson intervals. 'above': the whole "
        "interval is above the policy's maximum; 'within': the whole interval is at or below "
        "it; 'inconclusive': it straddles the maximum.",
    )
    intro = (
        "Refusal posture per domain and model version over the window, against the intended "
        "posture of the policy. Hollow markers are inconclusive against the bound; filled "
        f"markers are decided. Segments with fewer than {min_n} samples in a denominator are "
        "left out of the figure."
    )
    return Section(
        "posture",
        "Posture against the intended posture",
        [intro, Image("posture_overview", fig, "Posture per domain and model"), table],
    )


def _alerts(inputs: ReportInputs) -> Section:
    blocks: list = []
    alerts = sorted(inputs.alerts, key=lambda a: a.detected_at)
    start, end = inputs.start, inputs.end
    if start is None or end is None:
        times = [a.detected_at for a in alerts]
        start, end = (min(times), max(times)) if times else (None, None)
    if start is not None and end is not None:
        if end <= start:
            end = start + dt.timedelta(minutes=1)
        fig = plots.alerts_timeline_figure(alerts, start, end)
        blocks.append(Image("alerts_timeline", fig, "Alerts and incidents timeline"))
    incidents: dict[str, list[AlertEvent]] = defaultdict(list)
    for a in alerts:
        incidents[a.dedup_key].append(a)
    rows = []
    for events in incidents.values():
        first = events[0]
        fired = next((e for e in events if e.status == "firing"), first)
        closed = next((e for e in reversed(events) if e.status == "resolved"), None)
        peak = max((e.observed for e in events if e.observed is not None), default=None)
        s = first.segment
        rows.append(
            [
                _time(fired.detected_at),
                Cell(fired.severity, "bad" if fired.severity == "critical" else "warn"),
                fired.rule,
                fired.metric,
                f"{s.domain}/{s.model}/{s.surface}",
                f"{_pct(fired.baseline)} → {_pct(peak)}",
                _pct(fired.intended_max),
                Cell(_time(closed.detected_at), "good") if closed else Cell("open", "bad"),
                ", ".join(fired.owners),
                ", ".join(e.sample_id for e in fired.evidence[:3]),
            ]
        )
    if rows:
        blocks.append(
            Table(
                [
                    "fired (sample time)",
                    "severity",
                    "rule",
                    "metric",
                    "segment",
                    "baseline → peak",
                    "intended max",
                    "resolved",
                    "owners",
                    "evidence",
                ],
                rows,
                "One row per incident (dedup key); times are the triggering samples' times.",
            )
        )
    else:
        blocks.append(
            "No alert events in this window"
            + (
                "."
                if inputs.files and any(f.role == "alerts" for f in inputs.files)
                else " (no alerts file was given)."
            )
        )
    return Section("alerts", "Alerts and incidents", blocks)


def _models(by_model: list[PostureRate], by_dm: list[PostureRate]) -> Section:
    models = sorted({r.model for r in by_model})
    table_rows = []
    for model in models:
        m = {r.metric: r for r in by_model if r.model == model}
        row: list[Cell | str] = [model]
        for metric in (UNDER_REFUSAL_RATE, OVER_REFUSAL_RATE, HARMFUL_RATE, UNCERTAIN_RATE):
            r = m.get(metric)
            row.append(f"{_pct(r.rate)} [{_pct(r.low)}, {_pct(r.high)}] (n={r.n:,})" if r else "–")
        table_rows.append(row)
    overall = Table(
        ["model", "under-refusal", "over-refusal", "harmful", "uncertain"],
        table_rows,
        "All domains pooled; the mix of domains differs between models and surfaces, so "
        "compare per domain below before concluding.",
    )
    # Per domain: each model's rate side by side, and whether they differ significantly.
    diff_rows = []
    for metric in (UNDER_REFUSAL_RATE, OVER_REFUSAL_RATE):
        by_domain: dict[str, dict[str, PostureRate]] = defaultdict(dict)
        for r in by_dm:
            if r.metric == metric:
                by_domain[r.domain][r.model] = r
        for domain, per_model in sorted(by_domain.items()):
            if len(per_model) < 2:
                continue
            p = _chi2_p(list(per_model.values()))
            worst = max(per_model.values(), key=lambda r: r.rate)
            diff_rows.append(
                [
                    domain,
                    metric.replace("_rate", "").replace("_", "-"),
                    *[
                        f"{_pct(per_model[m].rate)} (n={per_model[m].n:,})"
                        if m in per_model
                        else "–"
                        for m in models
                    ],
                    Cell(_p(p), "bad" if p < 0.001 else "warn" if p < 0.05 else "muted"),
                    worst.model if p < 0.05 else "",
                ]
            )
    per_domain = Table(
        ["domain", "rate", *models, "p (homogeneity)", "highest"],
        diff_rows,
        "Chi-squared test of equal rates across models within a domain (Fisher's exact test "
        "for two models with small counts); p < 0.05 names the model with the highest rate.",
    )
    fig = plots.model_comparison_figure(by_model)
    return Section(
        "models",
        "Model-version comparison",
        [Image("model_comparison", fig, "Rates per model version"), overall, per_domain],
    )


def _corrected(inputs: ReportInputs, truth: dict[str, AdjudicatedLabel], policy: Policy) -> Section:
    section = Section("corrected", "Rates corrected for classifier error")
    if not truth:
        section.blocks.append("No labels: the classifiers' error cannot be measured.")
        return section
    if inputs.random_slice is not None:
        audited = {k: v for k, v in truth.items() if k in inputs.random_slice}
        which = (
            f"the {len(audited):,} labelled samples of the stratified random review slice "
            "(from the tasks file)"
        )
    else:
        audited = dict(truth)
        which = (
            f"all {len(audited):,} labelled samples (no tasks file was given, so targeted "
            "samples are included and the measured error is likely overstated)"
        )
    weights = {k: 1 / p for k, p in inputs.inclusion.items() if p > 0}
    rows = corrected_rates(
        [r.verdict for r in inputs.records],
        {k: (v.request, v.response, v.harmful) for k, v in audited.items()},
        weights=weights,
    )
    table_rows = []
    for r in rows:
        table_rows.append(
            [
                r.group,
                r.metric.replace("_rate", "").replace("_", "-"),
                f"{_pct(r.raw)} [{_pct(r.raw_low)}, {_pct(r.raw_high)}]",
                Cell(
                    f"{_pct(r.corrected)} [{_pct(r.low)}, {_pct(r.high)}]",
                    "muted" if math.isnan(r.corrected) else "",
                ),
                f"{r.audited:,}",
                f"{r.confirmed} / {r.audited_called}",
                f"{r.missed} / {r.audited_not_called}",
                Cell("pooled", "warn") if r.pooled else "own",
            ]
        )
    intro = (
        f"Classifier error is measured on {which}. Per domain, each judged sample falls in a "
        "cell by what the classifiers called; the audit estimates, per cell, how often the "
        "label is truly the event and truly in the denominator (inclusion-weighted), and the "
        "corrected rate sums those over the cells (the double-sampling form of the "
        "Rogan-Gladen correction, valid when the audit over-samples flagged samples)."
    )
    section.blocks += [
        intro,
        Image(
            "corrected_rates",
            # The figure shows the rates the policy bounds; the table shows them all.
            plots.corrected_rates_figure(
                [r for r in rows if intended_max(policy, r.group, r.metric) is not None]
            ),
            "Raw and corrected rates",
        ),
        Table(
            [
                "domain",
                "rate",
                "raw [95% Wilson]",
                "corrected [95% MC]",
                "audited",
                "called event: confirmed",
                "not called: missed",
                "cells",
            ],
            table_rows,
            "'confirmed': audited samples the classifiers called the event that the labels "
            "confirm; 'missed': audited samples not called the event that are. 'pooled': a "
            "cell had no audited sample in this domain and borrowed the estimate of all "
            "domains.",
        ),
    ]
    return section


def _quality(inputs: ReportInputs, truth: dict[str, AdjudicatedLabel]) -> Section:
    section = Section("quality", "Classifier quality against labels")
    if not truth:
        section.blocks.append("No labels were given.")
        return section
    pairs = [(r.verdict, truth[r.sample_id]) for r in inputs.records if r.sample_id in truth]
    rows = []
    for name in ("domain", "request", "response", "harmful"):
        said, real = [], []
        for v, t in pairs:
            value = t.value(name)
            if value is None:
                continue
            ours = (v.harmful_score >= 0.5) if name == "harmful" else getattr(v, name)
            said.append(str(ours))
            real.append(str(value))
        if not said:
            continue
        acc = sum(a == b for a, b in zip(said, real, strict=True)) / len(said)
        kappa = cohen_kappa(said, real)
        rows.append([name, f"{len(said):,}", f"{acc:.1%}", _num(kappa)])
    outcomes = ["under_refusal", "over_refusal", "ok"]
    matrix = [[0] * 4 for _ in outcomes]
    for v, t in pairs:
        if t.request is None or t.response is None:
            continue
        true = _true_outcome(t)
        col = 3 if v.outcome == "uncertain" else outcomes.index(v.outcome)
        matrix[outcomes.index(true)][col] += 1
    fig = plots.confusion_figure(
        [row[:3] for row in matrix], outcomes, "Outcome: classifier (columns) vs label (rows)"
    )
    table_rows = [[o, *[f"{n:,}" for n in matrix[i]]] for i, o in enumerate(outcomes)]
    sources = Counter(lab.source for lab in inputs.labels)
    section.blocks += [
        f"{len(pairs):,} labelled samples (label sources: "
        + ", ".join(f"{s} {n:,}" for s, n in sorted(sources.items()))
        + "). Labels include targeted review samples (uncertain verdicts, disagreements, "
        "alert evidence), where the classifiers are weakest: these numbers are a lower bound "
        "on quality over the traffic as a whole. Cohen's kappa is classifier vs label.",
        Table(["field", "labelled", "accuracy", "Cohen's kappa"], rows),
        Image("outcome_confusion", fig, "Outcome confusion matrix"),
        Table(
            ["label \\ classifier", *outcomes, "uncertain"],
            table_rows,
            "Uncertain verdicts are not counted in the figure.",
        ),
    ]
    return section


def _agreement(inputs, truth, queue, gold_path) -> Section:
    section = Section("agreement", "Labeller agreement, adjudication and calibration")
    if not inputs.labels:
        section.blocks.append("No labels were given.")
        return section
    domain_of = {r.sample_id: r.verdict.domain for r in inputs.records}
    table = agreement_table(inputs.labels, domain_of)
    fields = ("domain", "request", "response", "harmful")
    overall = [
        [
            r.field,
            f"{r.items:,}",
            str(r.raters),
            f"{r.percent_agreement:.1%}",
            _num(r.cohen_kappa),
            _num(r.fleiss_kappa),
            Cell(_num(r.krippendorff_alpha), _alpha_cls(r.krippendorff_alpha)),
        ]
        for r in table
        if r.domain == "all"
    ]
    section.blocks.append(
        Table(
            [
                "field (all domains)",
                "items",
                "raters",
                "pair agreement",
                "Cohen's κ",
                "Fleiss' κ",
                "Krippendorff's α",
            ],
            overall,
            "Items with at least two independent ratings of the field. Cohen's κ only when "
            "exactly two raters labelled them all. α ≥ 0.8 is reliable, 0.667 to 0.8 "
            "tentative, below that not reliable (Krippendorff). Where one value dominates "
            "(most requests in a domain allowed) κ and α are low even at high raw agreement.",
        )
    )
    per_domain: dict[str, dict[str, object]] = defaultdict(dict)
    for r in table:
        if r.domain != "all" and r.items >= 5:
            per_domain[r.domain][r.field] = r
    pivot = []
    for domain, per in sorted(per_domain.items()):
        row: list[Cell | str] = [domain, f"{max(r.items for r in per.values()):,}"]
        for f in fields:
            r = per.get(f)
            row.append(
                Cell(
                    f"{_num(r.krippendorff_alpha)} ({r.percent_agreement:.0%})",
                    _alpha_cls(r.krippendorff_alpha),
                )
                if r
                else Cell("–", "muted")
            )
        pivot.append(row)
    section.blocks.append(
        Table(
            ["domain", "items", *[f"{f}: α (agree)" for f in fields]],
            pivot,
            "Krippendorff's α per domain (the verdict's domain) and field, with the share of "
            "agreeing rating pairs; domains with fewer than 5 doubly-rated items are left out.",
        )
    )
    by_field = Counter(d.field for d in queue)
    section.blocks.append(
        f"Adjudication: {len(truth):,} samples settled (explicit adjudicator labels win, "
        f"else the majority); {len(queue)} tied field(s) wait in the adjudicator queue"
        + (": " + ", ".join(f"{f} {n}" for f, n in sorted(by_field.items())) if queue else "")
        + "."
    )
    gold: dict[str, GoldItem]
    if gold_path is not None and Path(gold_path).exists():
        store = GoldSet(gold_path)
        gold = store.items()
        what = f"gold set {store.head()} ({len(gold):,} items, {gold_path})"
    else:
        gold = {g.sample_id: g for g in gold_items(truth.values(), min_raters=2)}
        what = (
            f"the gold candidates of this window ({len(gold):,} items settled by two or more "
            f"raters or an adjudicator; content id {version_id(gold)}; labellers' own votes "
            "helped settle them, which flatters them)"
        )
    scores = labeller_calibration(inputs.labels, gold)
    by_rater: dict[str, dict[str, object]] = defaultdict(dict)
    for s in scores:
        by_rater[s.labeler][s.field] = s
    cal_rows = []
    for rater, per in sorted(by_rater.items()):
        row: list[Cell | str] = [rater]
        n = max(s.items for s in per.values())
        row.append(f"{n:,}")
        for f in fields:
            s = per.get(f)
            row.append(
                Cell(f"{s.accuracy:.0%} / {_num(s.kappa)}", _acc_cls(s.accuracy)) if s else "–"
            )
        cal_rows.append(row)
    section.blocks.append(
        Table(
            ["labeller", "gold items", *[f"{f}: acc / κ" for f in fields]],
            cal_rows,
            f"Each labeller against {what}.",
        )
    )
    return section


def _coverage(verdicts, truth, policy: Policy, target: int) -> Section:
    cov = label_coverage(verdicts, set(truth), target=target, domains=policy.domain_names())
    fig = plots.coverage_figure(cov.cells, cov.domains, cov.outcomes, target)
    gaps = [g for g in cov.gaps if g.available > 0][:15]
    unfillable = sum(1 for g in cov.gaps if g.available == 0)
    rows = [
        [g.domain, g.outcome, f"{g.labelled}", f"{g.missing}", f"{g.available:,}"] for g in gaps
    ]
    return Section(
        "coverage",
        "Label coverage",
        [
            f"{cov.share_met:.0%} of domain x outcome cells have at least {target} labelled "
            f"samples. {len(cov.gaps)} cells are short; {unfillable} of them had no traffic "
            "in the window to label (those need targeted collection or red-teaming).",
            Image("coverage", fig, "Label coverage per domain and outcome"),
            Table(
                ["domain", "outcome", "labelled", "missing", "unlabelled in traffic"],
                rows,
                "The largest gaps that this window's traffic can fill (at most 15).",
            ),
        ],
    )


def _methods(inputs: ReportInputs, policy: Policy) -> Section:
    files = [
        [f.role, f.path, f.sha256[:16], f"{f.lines:,}", f"{f.skipped:,}"] for f in inputs.files
    ]
    return Section(
        "methods",
        "Method and inputs",
        [
            Bullets(
                [
                    "under_refusal_rate = under-refusals / disallowed requests; "
                    "over_refusal_rate = over-refusals / allowed requests; harmful_rate = "
                    "harmful responses / judged samples (CONTRACT.md section 4). Uncertain "
                    "verdicts count in no posture rate, only in the uncertain rate.",
                    "Time is the samples' own timestamps; the window is "
                    f"[{_time(inputs.since or inputs.start)}, {_time(inputs.until)})"
                    + ("" if inputs.until else f" (last sample {_time(inputs.end)})")
                    + ".",
                    "Intervals: Wilson score (95%) for raw rates. Corrected rates: the "
                    "double-sampling correction over the audited random review slice "
                    "(strata: domain x flagged by the classifiers, inclusion-weighted), "
                    "estimate and 95% interval from 4,000 Monte Carlo draws of Dirichlet "
                    "posteriors per cell, partially pooled across domains "
                    "(monitor/corrected_rates.py).",
                    "Segment status: 'above' when the whole interval is above the intended "
                    "maximum, 'within' when it is wholly at or below it, else "
                    "'inconclusive'. Model comparison: chi-squared test of homogeneity "
                    "(Fisher's exact for two models with small counts).",
                    f"Intended posture: policy {policy.name} version {policy.version}.",
                    "Agreement: Cohen's κ (scikit-learn), Fleiss' κ, Krippendorff's α "
                    "(nominal, the krippendorff package).",
                ]
            ),
            Table(["input", "path", "sha256 (prefix)", "lines", "skipped"], files),
        ],
    )


# -- helpers --------------------------------------------------------------------------------


def _true_outcome(t: AdjudicatedLabel) -> str:
    if t.request == "disallowed" and (t.response == "complied" or t.harmful is True):
        return "under_refusal"
    if t.request == "allowed" and t.response == "refused":
        return "over_refusal"
    return "ok"


def _chi2_p(rates: Sequence[PostureRate]) -> float:
    from scipy.stats import chi2_contingency, fisher_exact

    table = [[r.events, r.n - r.events] for r in rates]
    if sum(r.events for r in rates) == 0 or all(r.events == r.n for r in rates):
        return 1.0
    if len(rates) == 2 and min(min(row) for row in table) < 5:
        return float(fisher_exact(table).pvalue)
    return float(chi2_contingency(table).pvalue)


def _pct(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if x == 0:
        return "0%"
    return f"{100 * x:.2f}%" if x < 0.1 else f"{100 * x:.1f}%"


def _num(x: float | None) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.2f}"


def _p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _time(t: dt.datetime | None) -> str:
    return "–" if t is None else t.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _status_cell(r: PostureRate) -> Cell:
    return Cell(
        f"{r.status} ({_pct(r.intended_max)})" if r.intended_max is not None else "no bound",
        {"above": "bad", "within": "good", "inconclusive": "warn"}.get(r.status, "muted"),
    )


def _alpha_cls(a: float) -> str:
    if math.isnan(a):
        return "muted"
    return "good" if a >= 0.8 else "warn" if a >= 0.667 else "bad"


def _acc_cls(a: float) -> str:
    return "good" if a >= 0.9 else "warn" if a >= 0.8 else "bad"


# -- rendering ------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;
margin:0;background:#fafafa}
main{max-width:1180px;margin:0 auto;padding:24px 32px 64px;background:#fff}
h1{font-size:24px;margin:8px 0 4px}h2{font-size:19px;margin:36px 0 10px;
border-bottom:1px solid #e3e3e3;padding-bottom:4px}
.subtitle{color:#555;margin-bottom:12px}nav a{margin-right:14px;color:#0b5cad;
text-decoration:none}
table{border-collapse:collapse;margin:10px 0 4px;font-size:12.5px;width:100%}
th,td{border:1px solid #e1e1e1;padding:4px 7px;text-align:left;vertical-align:top}
th{background:#f3f5f8;font-weight:600}tr:nth-child(even) td{background:#fcfcfc}
caption{caption-side:bottom;text-align:left;color:#666;font-size:12px;padding-top:4px}
td.bad{background:#fde2e0 !important;color:#8b1a10;font-weight:600}
td.warn{background:#fff4d6 !important}td.good{background:#e3f4e8 !important}
td.muted{color:#999}figure{margin:12px 0}img{max-width:100%;height:auto;
border:1px solid #eee}
"""


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (figures inline as base64 PNG)."""
    e = html.escape
    nav = " ".join(f'<a href="#{s.id}">{e(s.title)}</a>' for s in report.sections)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(report.title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{e(report.title)}</h1>",
        f'<div class="subtitle">{e(report.subtitle)}</div>',
        f"<nav>{nav}</nav>",
    ]
    for section in report.sections:
        parts.append(f'<section id="{e(section.id)}"><h2>{e(section.title)}</h2>')
        for block in section.blocks:
            parts.append(_html_block(block))
        parts.append("</section>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _html_block(block) -> str:
    e = html.escape
    if isinstance(block, str):
        return f"<p>{e(block)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{e(i)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, Image):
        return (
            f'<figure><img src="{block.data_uri()}" alt="{e(block.alt)}" '
            f'data-name="{e(block.name)}"></figure>'
        )
    head = "".join(f"<th>{e(c)}</th>" for c in block.columns)
    body = []
    for row in block.rows:
        cells = []
        for c in row:
            c = c if isinstance(c, Cell) else Cell(str(c))
            cls = f' class="{c.cls}"' if c.cls else ""
            cells.append(f"<td{cls}>{e(c.text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(block.columns)}" class="muted">none</td></tr>')
    caption = f"<caption>{e(block.caption)}</caption>" if block.caption else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_markdown(
    report: Report, figures_dir: str | Path | None = None, link_prefix: str = ""
) -> str:
    """The report as Markdown; figures are written as PNG files into ``figures_dir``.

    Links are ``link_prefix + name + ".png"`` (relative to the Markdown file). Without a
    directory, figures are left out and named in the text.
    """
    out = [f"# {report.title}", "", f"_{report.subtitle}_", ""]
    if figures_dir is not None:
        Path(figures_dir).mkdir(parents=True, exist_ok=True)
    for section in report.sections:
        out += [f"## {section.title}", ""]
        for block in section.blocks:
            if isinstance(block, str):
                out += [block, ""]
            elif isinstance(block, Bullets):
                out += [f"- {i}" for i in block.items] + [""]
            elif isinstance(block, Image):
                if figures_dir is None:
                    out += [f"_(figure: {block.alt})_", ""]
                    continue
                block.figure.savefig(
                    Path(figures_dir) / f"{block.name}.png",
                    dpi=110,
                    bbox_inches="tight",
                    facecolor="white",
                )
                out += [f"![{block.alt}]({link_prefix}{block.name}.png)", ""]
            else:
                out += _md_table(block)
    return "\n".join(out).rstrip() + "\n"


def _md_table(table: Table) -> list[str]:
    def cell(c) -> str:
        text = c.text if isinstance(c, Cell) else str(c)
        if isinstance(c, Cell) and c.cls == "bad":
            text = f"**{text}**"
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(table.columns) + " |",
        "| " + " | ".join("---" for _ in table.columns) + " |",
    ]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table.rows]
    if not table.rows:
        lines.append("| " + " | ".join(["none"] + [""] * (len(table.columns) - 1)) + " |")
    if table.caption:
        lines += ["", f"_{table.caption}_"]
    return [*lines, ""]


def write_report(
    report: Report, html_path: str | Path, markdown_path: str | Path | None = None
) -> None:
    """Write the HTML (and Markdown with a ``<stem>_figures/`` folder beside it)."""
    Path(html_path).write_text(render_html(report), "utf-8")
    if markdown_path is not None:
        md = Path(markdown_path)
        figures = md.parent / f"{md.stem}_figures"
        md.write_text(render_markdown(report, figures, f"{figures.name}/"), "utf-8")
