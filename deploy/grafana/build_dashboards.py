"""Build the monitor's Grafana dashboards as code and write them to ``dashboards/*.json``.

    python deploy/grafana/build_dashboards.py            # rewrite the committed JSON
    python deploy/grafana/build_dashboards.py --check    # exit 1 if the JSON is stale

Built with ``grafana-foundation-sdk`` (Grafana's own generated builders) rather than
``grafanalib``: the SDK emits the current dashboard schema and typed panel options, so what is
committed is what Grafana would save itself; grafanalib writes an older schema that Grafana
migrates on load (and diffs after every save).

Every query uses only metrics the monitor exports (``monitor/metrics.py``); the tests parse
each one with promtool and run them against a real Prometheus scraping the demo monitor.
Template variables (``$domain`` ...) are matched with ``=~`` so "All" (``.*``) and one value
work alike. Posture rates use the ``$window`` variable, not ``$__rate_interval``: a rate
against an intended maximum needs a window with enough requests in it to mean anything,
whatever the zoom.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grafana_foundation_sdk.builders import bargauge, prometheus, stat, timeseries
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.builders.common import ReduceDataOptions
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import BarGaugeDisplayMode, BigValueTextMode
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef,
    DynamicConfigValue,
    Threshold,
    ThresholdsMode,
    VariableOption,
    VariableRefresh,
)

OUT = Path(__file__).resolve().parent / "dashboards"
DS = DataSourceRef(type_val="prometheus", uid="${datasource}")
TAGS = ["safety-monitor"]
SEG = 'domain=~"$domain", model=~"$model", surface=~"$surface"'
DOM = 'domain=~"$domain"'
UNCERTAIN = 'outcome="uncertain", '
UNDER, OVER = "under_refusal_rate", "over_refusal_rate"


# -- queries ------------------------------------------------------------------------------
def posture_rate(metric: str, by: str = "domain, model", sel: str = SEG) -> str:
    """Events / observations over ``$window``: e.g. under-refusals / disallowed requests."""
    where = f'metric="{metric}", {sel}'
    return (
        f"sum by ({by}) (rate(safety_monitor_posture_events_total{{{where}}}[$window]))\n"
        f"/ sum by ({by}) (rate(safety_monitor_posture_observations_total{{{where}}}[$window]))"
    )


def rate(metric: str, selector: str = "", window: str = "$window") -> str:
    braces = f"{{{selector}}}" if selector else ""
    return f"rate(safety_monitor_{metric}{braces}[{window}])"


def intended_max(metric: str) -> str:
    selector = f'metric="{metric}", domain=~"$domain"'
    return f"max by (domain) (safety_monitor_posture_intended_max{{{selector}}})"


def headroom(metric: str) -> str:
    """Rate divided by the domain's intended maximum: above 1 the segment is out of bounds."""
    return f"({posture_rate(metric)})\n/ on (domain) group_left () {intended_max(metric)}"


_ALERTS = 'safety_monitor_alerts_total{domain=~"$domain"}'
_BY_ALERT = "sum by (rule, metric, severity, status, domain)"
ALERT_EVENTS = (
    # A counter child appears with the first alert already counted, so ``increase`` alone
    # misses a segment's first alert: also show series that did not exist a minute ago.
    f"{_BY_ALERT} (increase({_ALERTS}[1m]) > 0)\n"
    f"or {_BY_ALERT} ({_ALERTS} unless {_ALERTS} offset 1m)"
)


# -- building blocks ----------------------------------------------------------------------
def target(expr: str, legend: str, ref: str, *, instant: bool = False) -> prometheus.Dataquery:
    query = prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref)
    return query.instant() if instant else query.range()


def series(title: str, description: str, *targets: prometheus.Dataquery, unit: str = "short"):
    panel = timeseries.Panel().title(title).description(description).datasource(DS).unit(unit)
    panel = panel.height(8).span(12).min(0).line_width(1).fill_opacity(5)
    for t in targets:
        panel = panel.with_target(t)
    return panel


def dashed(panel, name_regexp: str):
    """Bounds and thresholds are dashed lines, so they never read as data."""
    style = {"fill": "dash", "dash": [10, 10]}
    return panel.override_by_regexp(
        name_regexp,
        [DynamicConfigValue("custom.lineStyle", style), DynamicConfigValue("custom.lineWidth", 2)],
    )


def bound_thresholds(warn: float, bad: float) -> db.ThresholdsConfig:
    return (
        db.ThresholdsConfig()
        .mode(ThresholdsMode.ABSOLUTE)
        .steps(
            [
                Threshold(value=None, color="green"),
                Threshold(value=warn, color="orange"),
                Threshold(value=bad, color="red"),
            ]
        )
    )


def datasource_var() -> db.DatasourceVariable:
    return db.DatasourceVariable("datasource").label("Data source").type("prometheus")


def label_var(name: str, metric: str, *, multi: bool = True, depends: str = "") -> db.QueryVariable:
    selector = f"safety_monitor_{metric}" + (f"{{{depends}}}" if depends else "")
    query = f"label_values({selector}, {name})"
    var = db.QueryVariable(name).label(name).datasource(DS).query(query)
    var = var.refresh(VariableRefresh.ON_TIME_RANGE_CHANGED).sort(1)
    if multi:
        var = var.multi(True).include_all(True).all_value(".*")
    return var


def window_var() -> db.CustomVariable:
    options = ["5m", "15m", "1h", "6h"]
    return (
        db.CustomVariable("window")
        .label("rate window")
        .values(",".join(options))
        .current(VariableOption(selected=True, text="5m", value="5m"))
        .options([VariableOption(selected=o == "5m", text=o, value=o) for o in options])
    )


def metric_var() -> db.CustomVariable:
    options = [UNDER, OVER, "harmful_rate"]
    return (
        db.CustomVariable("metric")
        .label("posture metric")
        .values(",".join(options))
        .current(VariableOption(selected=True, text=UNDER, value=UNDER))
        .options([VariableOption(selected=o == UNDER, text=o, value=o) for o in options])
    )


def alert_annotation() -> db.AnnotationQuery:
    return (
        db.AnnotationQuery()
        .name("Alert events")
        .datasource(DS)
        .enable(True)
        .icon_color("red")
        .expr(ALERT_EVENTS)
    )


def base(uid: str, title: str, description: str) -> db.Dashboard:
    return (
        db.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(TAGS)
        .editable()
        .refresh("30s")
        .time("now-1h", "now")
        .timezone("utc")
    )


# -- dashboards ---------------------------------------------------------------------------
def posture_overview() -> db.Dashboard:
    d = base(
        "safety-monitor-posture",
        "Safety monitor / Posture overview",
        "Under- and over-refusal per domain and model against the policy's intended maximum.",
    )
    for var in (
        datasource_var(),
        label_var("domain", "posture_observations_total"),
        label_var("model", "posture_observations_total"),
        label_var("surface", "posture_observations_total"),
        window_var(),
    ):
        d = d.with_variable(var)
    d = d.annotation(alert_annotation())
    d = d.with_row(db.Row("Now"))
    d = d.with_panel(
        stat.Panel()
        .title("Open incidents")
        .description("posture_breach and posture_shift incidents firing in the selection.")
        .datasource(DS)
        .with_target(target(f"sum(safety_monitor_alerts_firing{{{SEG}}})", "open", "A"))
        .thresholds(bound_thresholds(1, 1))
        .height(6)
        .span(4)
    )
    for metric, what in ((UNDER, "Under-refusal"), (OVER, "Over-refusal")):
        d = d.with_panel(
            bargauge.Panel()
            .title(f"{what} rate / intended max")
            .description("Above 1 the segment's rate is over the policy's intended maximum.")
            .datasource(DS)
            .with_target(target(headroom(metric), "{{domain}} / {{model}}", "A", instant=True))
            .thresholds(bound_thresholds(0.8, 1.0))
            .display_mode(BarGaugeDisplayMode.GRADIENT)
            .reduce_options(ReduceDataOptions().calcs(["lastNotNull"]))
            .min(0)
            .max(2)
            .unit("none")
            .decimals(2)
            .height(6)
            .span(10)
        )
    d = d.with_panel(
        stat.Panel()
        .title("Policy")
        .datasource(DS)
        .with_target(
            target("safety_monitor_policy_info", "{{name}} {{version}}", "A", instant=True)
        )
        .text_mode(BigValueTextMode.NAME)
        .reduce_options(ReduceDataOptions().calcs(["lastNotNull"]))
        .height(6)
        .span(24)
    )
    for metric, what, denominator in (
        (UNDER, "Under-refusal", "disallowed requests the model complied with"),
        (OVER, "Over-refusal", "allowed requests the model refused"),
    ):
        d = d.with_row(db.Row(f"{what}: {denominator}"))
        selector = f'metric="{metric}", {SEG}'
        d = d.with_panel(
            dashed(
                series(
                    f"{what} rate by domain and model",
                    f"Share of {denominator} over $window; dashed: the domain's intended max.",
                    target(posture_rate(metric), "{{domain}} / {{model}}", "A"),
                    target(intended_max(metric), "intended max {{domain}}", "B"),
                    unit="percentunit",
                ),
                "^intended max .*",
            ).span(16)
        )
        d = d.with_panel(
            series(
                "Requests in the denominator per second",
                "How much traffic each rate rests on: a high rate on a trickle is noise.",
                target(
                    f"sum by (domain) ({rate('posture_observations_total', selector)})",
                    "{{domain}}",
                    "A",
                ),
                unit="reqps",
            ).span(8)
        )
    return d


def segment_drilldown() -> db.Dashboard:
    one = 'domain=~"$domain", model=~"$model", surface=~"$surface", metric=~"$metric"'
    d = base(
        "safety-monitor-segment",
        "Safety monitor / Segment drill-down",
        "One segment and posture metric: detector statistic against its threshold, the rate "
        "against its learned baseline and intended maximum, alert events as annotations.",
    )
    for var in (
        datasource_var(),
        label_var("domain", "detector_statistic", multi=False),
        label_var("model", "detector_statistic", multi=False, depends='domain=~"$domain"'),
        label_var(
            "surface",
            "detector_statistic",
            multi=False,
            depends='domain=~"$domain", model=~"$model"',
        ),
        metric_var(),
        window_var(),
    ):
        d = d.with_variable(var)
    d = d.annotation(alert_annotation())
    d = d.with_panel(
        dashed(
            series(
                "posture_shift statistic vs threshold",
                "The detector alarms when its statistic reaches the threshold set from the "
                "false-alarm budget.",
                target(f"safety_monitor_detector_statistic{{{one}}}", "statistic", "A"),
                target(f"safety_monitor_detector_threshold{{{one}}}", "threshold", "B"),
            ),
            "^threshold$",
        )
    )
    d = d.with_panel(
        dashed(
            series(
                "Rate vs baseline and intended max",
                "Detector's estimate of the recent rate, the baseline it learned, the rate "
                "from the counters over $window, and the policy's intended maximum.",
                target(f"safety_monitor_posture_rate{{{one}}}", "detector estimate", "A"),
                target(f"safety_monitor_detector_baseline{{{one}}}", "baseline", "B"),
                target(
                    f"sum(rate(safety_monitor_posture_events_total{{{one}}}[$window]))\n"
                    f"/ sum(rate(safety_monitor_posture_observations_total{{{one}}}[$window]))",
                    "rate over $window",
                    "C",
                ),
                target(
                    "max(safety_monitor_posture_intended_max"
                    '{domain=~"$domain", metric=~"$metric"})',
                    "intended max",
                    "D",
                ),
                unit="percentunit",
            ),
            "^(baseline|intended max)$",
        )
    )
    d = d.with_panel(
        series(
            "Observations and events per second",
            "Denominator and numerator of the rate.",
            target(
                f"sum(rate(safety_monitor_posture_observations_total{{{one}}}[$window]))",
                "observations",
                "A",
            ),
            target(
                f"sum(rate(safety_monitor_posture_events_total{{{one}}}[$window]))", "events", "B"
            ),
            unit="reqps",
        )
    )
    d = d.with_panel(
        series(
            "Outcomes of the segment",
            "Verdict outcomes per second (ok, under_refusal, over_refusal, uncertain).",
            target(
                f"sum by (outcome) (rate(safety_monitor_verdicts_total{{{SEG}}}[$window]))",
                "{{outcome}}",
                "A",
            ),
            unit="reqps",
        )
    )
    d = d.with_panel(
        series(
            "Open incidents of the segment",
            "1 while an incident of the rule is firing.",
            target(
                f"sum by (rule, metric) (safety_monitor_alerts_firing{{{one}}})",
                "{{rule}} {{metric}}",
                "A",
            ),
        ).span(24)
    )
    return d


def classifier_health() -> db.Dashboard:
    d = base(
        "safety-monitor-classifier",
        "Safety monitor / Classifier health",
        "Agreement with arriving labels, uncertain verdicts, outcome and domain mix.",
    )
    for var in (
        datasource_var(),
        label_var("domain", "verdicts_total"),
        window_var(),
    ):
        d = d.with_variable(var)
    checks = "safety_monitor_label_checks_total"
    d = d.with_panel(
        series(
            "Agreement with arriving labels",
            "Share of label fields (domain, request, response, harmful) where the monitor's "
            "verdict, taken before it learned from the label, agreed. Empty until labels "
            "or grader verdicts arrive.",
            target(
                f'sum by (field) (rate({checks}{{result="agree"}}[$window]))\n'
                f"/ sum by (field) (rate({checks}[$window]))",
                "{{field}}",
                "A",
            ),
            unit="percentunit",
        ).max(1)
    )
    d = d.with_panel(
        series(
            "Labels arriving per second",
            "By field: accuracy is only as good as the labels behind it.",
            target(f"sum by (field) (rate({checks}[$window]))", "{{field}}", "A"),
            unit="reqps",
        )
    )
    d = d.with_panel(
        series(
            "Uncertain verdicts by domain",
            "Share of verdicts too unsure to call: the samples worth a human look.",
            target(
                f"sum by (domain) ({rate('verdicts_total', UNCERTAIN + DOM)})\n"
                f"/ sum by (domain) ({rate('verdicts_total', DOM)})",
                "{{domain}}",
                "A",
            ),
            unit="percentunit",
        )
    )
    d = d.with_panel(
        series(
            "Outcome mix",
            "Verdicts per second by outcome.",
            target(
                f"sum by (outcome) ({rate('verdicts_total', DOM)})",
                "{{outcome}}",
                "A",
            ),
            unit="reqps",
        )
    )
    d = d.with_panel(
        series(
            "Domain mix",
            "Share of traffic by policy domain: a sudden change can be the classifier, not "
            "the users.",
            target(
                f"sum by (domain) ({rate('verdicts_total')})\n"
                f"/ ignoring (domain) group_left () sum({rate('verdicts_total')})",
                "{{domain}}",
                "A",
            ),
            unit="percentunit",
        )
    )
    d = d.with_panel(
        stat.Panel()
        .title("Classifier version")
        .datasource(DS)
        .with_target(target("safety_monitor_classifier_info", "{{version}}", "A", instant=True))
        .text_mode(BigValueTextMode.NAME)
        .reduce_options(ReduceDataOptions().calcs(["lastNotNull"]))
        .height(8)
        .span(12)
    )
    return d


def pipeline_health() -> db.Dashboard:
    d = base(
        "safety-monitor-pipeline",
        "Safety monitor / Pipeline health",
        "Throughput, latency, staleness, consumer lag and dead letters.",
    )
    d = d.with_variable(datasource_var())
    latency = "safety_monitor_processing_latency_seconds_bucket"
    d = d.with_panel(
        series(
            "Throughput",
            "Samples read per second by source, summed over workers.",
            target(
                "sum by (source) (rate(safety_monitor_samples_total[$__rate_interval]))",
                "{{source}}",
                "A",
            ),
            unit="reqps",
        )
    )
    d = d.with_panel(
        series(
            "Processing latency",
            "Read to verdict, posture and rules done (per batch, so it includes batching).",
            *(
                target(
                    f"histogram_quantile({q}, sum by (le) (rate({latency}[$__rate_interval])))",
                    f"p{round(q * 100)}",
                    ref,
                )
                for q, ref in ((0.5, "A"), (0.9, "B"), (0.99, "C"))
            ),
            unit="s",
        )
    )
    d = d.with_panel(
        stat.Panel()
        .title("Seconds since the last batch")
        .description("Per instance; the NoSamples alert fires when this stays high.")
        .datasource(DS)
        .with_target(
            target("time() - safety_monitor_last_batch_timestamp_seconds", "{{instance}}", "A")
        )
        .unit("s")
        .thresholds(bound_thresholds(30, 120))
        .height(8)
        .span(6)
    )
    d = d.with_panel(
        series(
            "Batch size",
            "Mean samples per processed batch: it grows when the monitor falls behind.",
            target(
                "sum(rate(safety_monitor_batch_size_samples_sum[$__rate_interval]))\n"
                "/ sum(rate(safety_monitor_batch_size_samples_count[$__rate_interval]))",
                "mean",
                "A",
            ),
        ).span(6)
    )
    d = d.with_panel(
        series(
            "Consumer lag",
            "Samples not yet consumed, by partition of the samples topic (Kafka workers "
            "only; the embedded runner has no lag).",
            target(
                "sum by (partition) (safety_monitor_kafka_consumer_lag_messages)",
                "partition {{partition}}",
                "A",
            ),
        )
    )
    d = d.with_panel(
        series(
            "Dead letters",
            "Malformed records set aside per second, by reason kind.",
            target(
                "sum by (kind) (rate(safety_monitor_dead_letters_total[$__rate_interval]))",
                "{{kind}}",
                "A",
            ),
            unit="reqps",
        )
    )
    d = d.with_panel(
        series(
            "Segments with posture state",
            "Memory grows with segments; label caps keep it bounded.",
            target("sum(safety_monitor_segments)", "segments", "A"),
        )
    )
    d = d.with_panel(
        series(
            "Alert events",
            "Alert events emitted per second by rule and status.",
            target(
                "sum by (rule, status) (rate(safety_monitor_alerts_total[$__rate_interval]))",
                "{{rule}} {{status}}",
                "A",
            ),
            unit="reqps",
        )
    )
    return d


DASHBOARDS = {
    "posture-overview": posture_overview,
    "segment-drilldown": segment_drilldown,
    "classifier-health": classifier_health,
    "pipeline-health": pipeline_health,
}


def render(name: str) -> str:
    built = DASHBOARDS[name]().build()
    _number_panels(built)
    return json.dumps(built, cls=JSONEncoder, indent=2, sort_keys=True) + "\n"


def _number_panels(dashboard) -> None:
    """Stable panel ids (Grafana links and alert annotations refer to panels by id)."""
    for i, panel in enumerate(dashboard.panels or [], start=1):
        panel.id_val = i


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the JSON is stale")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    stale = []
    for name in DASHBOARDS:
        path = args.out / f"{name}.json"
        text = render(name)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
    if stale:
        print(f"stale dashboards (run build_dashboards.py): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
