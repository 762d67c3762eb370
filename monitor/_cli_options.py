"""Command-line options several ``safety-monitor`` commands share (one definition each)."""

from __future__ import annotations

import click

policy_option = click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    help="Policy YAML (default: the shipped policy).",
)


def metrics_options(fn):
    """``--metrics-port`` and ``--metrics-addr``: where Prometheus scrapes the process."""
    fn = click.option("--metrics-addr", default="127.0.0.1", show_default=True)(fn)
    return click.option(
        "--metrics-port",
        type=click.IntRange(min=0, max=65535),
        default=0,
        show_default=True,
        help="Serve Prometheus /metrics on this port (0 = none).",
    )(fn)
