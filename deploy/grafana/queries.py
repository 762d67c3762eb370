"""The PromQL in the committed dashboards, read back out of their JSON for checking.

Tests use it to parse every query with promtool, to check that each names only metrics the
monitor exports, and to run each against a real Prometheus. Reading the JSON (not the
builder) checks exactly what Grafana would load.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DASHBOARDS = Path(__file__).resolve().parent / "dashboards"

_LABEL_VALUES = re.compile(r"^label_values\((?P<selector>.+),\s*(?P<label>\w+)\)$", re.S)
_METRIC = re.compile(r"\b(safety_monitor_[A-Za-z0-9_]+)\b")


@dataclass(frozen=True)
class Query:
    dashboard: str  # file stem
    where: str  # panel title / annotation / variable name
    expr: str  # as in the JSON, with Grafana variables

    def concrete(self, window: str = "1m", rate_interval: str = "1m") -> str:
        """The query as Grafana would send it with every variable set to "All"."""
        return concrete(self.expr, window=window, rate_interval=rate_interval)


def concrete(expr: str, *, window: str = "1m", rate_interval: str = "1m") -> str:
    expr = expr.replace("$__rate_interval", rate_interval).replace("$__interval", rate_interval)
    expr = expr.replace("$window", window)
    # The dashboards match every template variable with =~, so "All" is the regex .*
    expr = re.sub(r'"\$\w+"', '".*"', expr)
    match = _LABEL_VALUES.match(expr.strip())
    if match:  # a variable's label_values(): the series it lists, grouped by the label
        expr = f"group by ({match['label']}) ({match['selector']})"
    return expr


def metric_names(expr: str) -> set[str]:
    return set(_METRIC.findall(expr))


def queries(directory: Path = DASHBOARDS) -> Iterator[Query]:
    """Every panel target, annotation and query variable of every dashboard."""
    for path in sorted(directory.glob("*.json")):
        dashboard = json.loads(path.read_text())
        for panel in _panels(dashboard.get("panels", [])):
            for target in panel.get("targets") or []:
                if target.get("expr"):
                    yield Query(path.stem, f"{panel['title']} [{target['refId']}]", target["expr"])
        for annotation in dashboard.get("annotations", {}).get("list", []):
            if annotation.get("expr"):
                yield Query(path.stem, f"annotation {annotation['name']}", annotation["expr"])
        for variable in dashboard.get("templating", {}).get("list", []):
            if variable.get("type") == "query":
                yield Query(path.stem, f"variable {variable['name']}", variable["query"])


def _panels(panels: list[dict]) -> Iterator[dict]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels") or [])  # collapsed rows nest their panels
