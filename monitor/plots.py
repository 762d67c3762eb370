"""Figures for posture reports (matplotlib, Agg backend: no display needed).

Every function returns a :class:`matplotlib.figure.Figure`; :func:`png_data_uri` turns one
into an inline image for a self-contained HTML page, and ``fig.savefig(path)`` writes a file.
Figures are built with the object API (no pyplot state), so they are safe in threads and
tests and never leak.

The posture overview, for a README or a slide:

>>> from monitor.policy import load_policy
>>> from monitor.posture_summary import posture_rates
>>> from monitor.testing import make_sample, make_verdict
>>> pairs = [(make_sample(f"s-{i}"), make_verdict(f"s-{i}", domain="cyber",
...           request="disallowed", response="refused")) for i in range(20)]
>>> fig = posture_overview_figure(posture_rates(pairs), load_policy())
>>> png_data_uri(fig).startswith("data:image/png;base64,")
True
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # before any backend is touched; reports run headless

from matplotlib import dates as mdates
from matplotlib import lines as mlines
from matplotlib import ticker as mticker
from matplotlib.figure import Figure

from monitor.contract import AlertEvent
from monitor.policy import Policy
from monitor.posture import OVER_REFUSAL_RATE, UNDER_REFUSAL_RATE
from monitor.posture_summary import PostureRate

#: A colour-blind-safe palette (Okabe and Ito) for models, in order of first appearance.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
BOUND_COLOUR = "#C0392B"
_METRIC_TITLES = {
    UNDER_REFUSAL_RATE: "Under-refusal rate\n(helped / disallowed requests)",
    OVER_REFUSAL_RATE: "Over-refusal rate\n(refused / allowed requests)",
}


def png_data_uri(fig: Figure, dpi: int = 110) -> str:
    """The figure as a ``data:image/png;base64,...`` URI (for an ``<img src>``)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def posture_overview_figure(
    rates: Sequence[PostureRate],
    policy: Policy | None = None,
    *,
    min_n: int = 1,
    title: str | None = "Posture per domain and model vs the intended maximum",
) -> Figure:
    """Under- and over-refusal per domain and model, 95% Wilson intervals, vs the policy bound.

    ``rates``: :func:`monitor.posture_summary.posture_rates` split by domain and model (the
    default). The intended maximum is each rate's own ``intended_max`` (set when the rates
    were computed with a policy); ``policy`` only orders the domains as in the policy file.
    Segments with fewer than ``min_n`` samples in the denominator are left out, and with a
    policy so are rates it sets no maximum for.
    """
    metrics = (UNDER_REFUSAL_RATE, OVER_REFUSAL_RATE)
    shown = [r for r in rates if r.metric in metrics and r.n >= min_n]
    if policy is not None:  # a rate the policy does not bound (none's under-refusal) is noise
        shown = [r for r in shown if r.intended_max is not None]
    order = policy.domain_names() if policy else []
    domains = sorted({r.domain for r in shown}, key=lambda d: (d not in order, _index(order, d), d))
    models = sorted({r.model for r in shown})
    if not domains:
        return _empty("no posture rate with enough samples to show")
    colour = {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(models)}
    height = max(3.0, 0.42 * len(domains) * max(1, len(models)) ** 0.5 + 1.6)
    fig = Figure(figsize=(11, height))
    axes = fig.subplots(1, 2, sharey=True)
    step = 0.7 / max(1, len(models))
    for ax, metric in zip(axes, metrics, strict=True):
        ax.set_title(_METRIC_TITLES[metric], fontsize=10)
        top = 0.0
        for y, domain in enumerate(domains):
            if y % 2 == 0:
                ax.axhspan(y - 0.5, y + 0.5, color="#f4f4f4", zorder=0)
            cell = [r for r in shown if r.metric == metric and r.domain == domain]
            bound = next((r.intended_max for r in cell if r.intended_max is not None), None)
            if bound is not None:
                ax.plot(
                    [bound, bound],
                    [y - 0.45, y + 0.45],
                    color=BOUND_COLOUR,
                    lw=2.2,
                    zorder=2,
                    solid_capstyle="butt",
                )
                top = max(top, bound)
            for r in cell:
                offset = (models.index(r.model) - (len(models) - 1) / 2) * step
                ax.errorbar(
                    r.rate,
                    y + offset,
                    xerr=[[r.rate - r.low], [r.high - r.rate]],
                    fmt="o",
                    ms=4.5,
                    color=colour[r.model],
                    ecolor=colour[r.model],
                    elinewidth=1.4,
                    capsize=2,
                    zorder=3,
                    mfc="white" if r.status == "inconclusive" else colour[r.model],
                )
                top = max(top, r.high)
        right = max(0.05, top * 1.08)
        ax.set_xlim(-0.012 * right, right)  # a rate of 0 shows as a whole marker
        ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=None))
        ax.grid(axis="x", color="#dddddd", lw=0.6)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
    axes[0].set_yticks(range(len(domains)), domains)
    axes[0].set_ylim(len(domains) - 0.5, -0.5)
    handles = [mlines.Line2D([], [], marker="o", ls="", color=colour[m], label=m) for m in models]
    handles.append(mlines.Line2D([], [], color=BOUND_COLOUR, lw=2.2, label="intended maximum"))
    handles.append(
        mlines.Line2D(
            [],
            [],
            marker="o",
            ls="",
            color="#777777",
            mfc="white",
            label="hollow: interval straddles the maximum",
        )
    )
    fig.legend(
        handles=handles,
        loc="lower center",
        ncol=min(len(handles), 5),
        frameon=False,
        bbox_to_anchor=(0.5, 0.0),
        fontsize=9,
    )
    if title:
        fig.suptitle(title, fontsize=12)
    # Room at the bottom for the legend's rows (about a third of an inch each).
    rows = -(-len(handles) // 5)
    fig.tight_layout(rect=(0, min(0.3, (0.35 * rows + 0.15) / height), 1, 0.97))
    return fig


def alerts_timeline_figure(
    alerts: Sequence[AlertEvent], start: dt.datetime, end: dt.datetime
) -> Figure:
    """One row per incident (rule, metric, segment): spans from firing to resolved."""
    incidents: dict[str, list[AlertEvent]] = {}
    for alert in sorted(alerts, key=lambda a: a.detected_at):
        incidents.setdefault(alert.dedup_key, []).append(alert)
    rows = list(incidents.values())
    fig = Figure(figsize=(11, max(2.2, 0.38 * len(rows) + 1.4)))
    ax = fig.subplots()
    for y, events in enumerate(rows):
        opened: dt.datetime | None = None
        for event in events:
            if event.status == "firing":
                opened = opened or event.detected_at
                ax.plot(event.detected_at, y, marker="v", color=BOUND_COLOUR, ms=7, zorder=3)
            elif opened is not None:
                ax.plot(
                    [opened, event.detected_at],
                    [y, y],
                    color=BOUND_COLOUR,
                    lw=5,
                    alpha=0.45,
                    solid_capstyle="butt",
                )
                ax.plot(event.detected_at, y, marker="o", color="#009E73", ms=6, zorder=3)
                opened = None
        if opened is not None:  # still firing at the end of the window
            ax.plot(
                [opened, end], [y, y], color=BOUND_COLOUR, lw=5, alpha=0.45, solid_capstyle="butt"
            )
    labels = [_incident_label(events[0]) for events in rows]
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.set_ylim(max(1, len(rows)) - 0.5, -0.5)
    ax.set_xlim(start, end)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    locator = mdates.AutoDateLocator(tz=dt.UTC, minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=dt.UTC))
    ax.set_xlabel("sample time (UTC)")
    ax.set_title("Incidents: ▼ firing, ● resolved, bar = open", fontsize=10)
    if not rows:
        ax.text(
            0.5,
            0.5,
            "no alerts in this window",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color="#666666",
        )
    fig.tight_layout()
    return fig


def model_comparison_figure(rates: Sequence[PostureRate]) -> Figure:
    """Each model's overall rates (all domains pooled) side by side, with intervals.

    ``rates``: :func:`~monitor.posture_summary.posture_rates` with ``by=("model",)``.
    """
    metrics = [
        m
        for m in ("under_refusal_rate", "over_refusal_rate", "harmful_rate", "uncertain_rate")
        if any(r.metric == m for r in rates)
    ]
    models = sorted({r.model for r in rates})
    fig = Figure(figsize=(11, 3.4))
    axes = fig.subplots(1, max(1, len(metrics)))
    axes = list(axes) if len(metrics) > 1 else [axes]
    for ax, metric in zip(axes, metrics, strict=False):
        for i, model in enumerate(models):
            r = next((r for r in rates if r.metric == metric and r.model == model), None)
            if r is None:
                continue
            c = PALETTE[i % len(PALETTE)]
            ax.bar(i, r.rate, color=c, alpha=0.8, width=0.65)
            ax.errorbar(
                i,
                r.rate,
                yerr=[[r.rate - r.low], [r.high - r.rate]],
                color="#333333",
                capsize=3,
                lw=1,
            )
        ax.set_title(metric.replace("_", " "), fontsize=9)
        ax.set_xticks(range(len(models)), models, rotation=25, ha="right", fontsize=8)
        ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=1))
        ax.grid(axis="y", color="#dddddd", lw=0.6)
        ax.set_axisbelow(True)
    fig.tight_layout()
    return fig


def corrected_rates_figure(rows: Sequence, min_base: int = 30) -> Figure:
    """Raw (hollow) and error-corrected (filled) rates per domain, with their intervals.

    ``rows``: :class:`monitor.corrected_rates.CorrectedRate` items; those with fewer than
    ``min_base`` samples in the raw denominator are left out (they only stretch the axis).
    """
    metrics = (UNDER_REFUSAL_RATE, OVER_REFUSAL_RATE)
    rows = [r for r in rows if r.base >= min_base]
    groups = sorted({r.group for r in rows})
    if not groups:
        return _empty(f"no rate with {min_base} or more samples in its denominator")
    fig = Figure(figsize=(11, max(2.6, 0.36 * len(groups) + 1.4)))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, metric in zip(axes, metrics, strict=True):
        top = 0.05
        for y, group in enumerate(groups):
            r = next((r for r in rows if r.group == group and r.metric == metric), None)
            if r is None:
                continue
            ax.errorbar(
                r.raw,
                y - 0.15,
                xerr=[[r.raw - r.raw_low], [r.raw_high - r.raw]],
                fmt="o",
                mfc="white",
                color="#555555",
                capsize=2,
                ms=5,
            )
            top = max(top, r.raw_high)
            if r.corrected == r.corrected:  # not NaN
                low = r.low if r.low == r.low else r.corrected
                high = r.high if r.high == r.high else r.corrected
                ax.errorbar(
                    r.corrected,
                    y + 0.15,
                    # The plug-in point can sit just outside the Monte Carlo
                    # interval (a Jeffreys prior pulls the draws): clamp the bars.
                    xerr=[[max(0.0, r.corrected - low)], [max(0.0, high - r.corrected)]],
                    fmt="o",
                    color=PALETTE[0],
                    capsize=2,
                    ms=5,
                )
                top = max(top, high)
        ax.set_title(_METRIC_TITLES[metric], fontsize=10)
        right = min(1.0, top * 1.08)
        ax.set_xlim(-0.012 * right, right)
        ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=None))
        ax.grid(axis="x", color="#dddddd", lw=0.6)
    axes[0].set_yticks(range(len(groups)), groups)
    axes[0].set_ylim(len(groups) - 0.5, -0.5)
    handles = [
        mlines.Line2D(
            [],
            [],
            marker="o",
            ls="",
            mfc="white",
            color="#555555",
            label="raw (classifier counts, Wilson 95%)",
        ),
        mlines.Line2D(
            [],
            [],
            marker="o",
            ls="",
            color=PALETTE[0],
            label="corrected for measured error (Monte Carlo 95%)",
        ),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=2, frameon=False, fontsize=9)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def coverage_figure(
    cells: dict, domains: Sequence[str], outcomes: Sequence[str], target: int
) -> Figure:
    """Labelled samples per domain x outcome, shaded by how much of the target is met."""
    import numpy as np

    counts = np.array([[cells.get((d, o), 0) for o in outcomes] for d in domains], dtype=float)
    fig = Figure(figsize=(7.5, max(2.4, 0.34 * len(domains) + 1.2)))
    ax = fig.subplots()
    image = ax.imshow(
        np.minimum(counts / max(1, target), 1.0), cmap="Blues", vmin=0, vmax=1, aspect="auto"
    )
    for i in range(len(domains)):
        for j in range(len(outcomes)):
            n = int(counts[i, j])
            ax.text(
                j,
                i,
                str(n),
                ha="center",
                va="center",
                fontsize=8,
                color="white" if n >= 0.6 * target else "#222222",
            )
    ax.set_xticks(range(len(outcomes)), outcomes, fontsize=9)
    ax.set_yticks(range(len(domains)), domains, fontsize=9)
    ax.set_title(f"Labelled samples (target {target} per cell)", fontsize=10)
    fig.colorbar(image, ax=ax, label="share of target", shrink=0.8)
    fig.tight_layout()
    return fig


def confusion_figure(
    matrix: Sequence[Sequence[int]],
    labels: Sequence[str],
    title: str = "Outcome: classifier vs adjudicated label",
) -> Figure:
    """A confusion matrix: rows the label (truth), columns the classifier's call."""
    import numpy as np

    m = np.asarray(matrix, dtype=float)
    share = m / np.maximum(1, m.sum(axis=1, keepdims=True))
    fig = Figure(figsize=(5.6, 4.4))
    ax = fig.subplots()
    ax.imshow(share, cmap="Greens", vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(
                j,
                i,
                int(m[i, j]),
                ha="center",
                va="center",
                fontsize=9,
                color="white" if share[i, j] > 0.6 else "#222222",
            )
    ax.set_xticks(range(len(labels)), labels, rotation=25, ha="right", fontsize=9)
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    ax.set_xlabel("classifier")
    ax.set_ylabel("label")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def _empty(message: str) -> Figure:
    fig = Figure(figsize=(8, 1.6))
    ax = fig.subplots()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", color="#666666")
    return fig


def _index(order: list[str], item: str) -> int:
    return order.index(item) if item in order else len(order)


def _incident_label(alert: AlertEvent) -> str:
    s = alert.segment
    return f"{alert.rule} · {alert.metric.replace('_rate', '')} · {s.domain}/{s.model}/{s.surface}"
