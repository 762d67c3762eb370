"""The ``safety-monitor`` command line (CONTRACT.md section 5)."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path

import click
import structlog

from monitor.logs import configure_logging
from monitor.policy import Policy, PolicyError, load_policy

log = structlog.get_logger("safety_monitor.cli")


def _policy(path: str | None) -> Policy:
    try:
        return load_policy(path)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--log-format",
    type=click.Choice(["auto", "json", "console"]),
    default="auto",
    help="Log format on stderr: JSON unless stderr is a terminal.",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
)
def main(log_format: str, log_level: str) -> None:
    """Streaming deployment-safety monitor for LLMs in production."""
    configure_logging(
        json={"auto": None, "json": True, "console": False}[log_format], level=log_level
    )


@main.command()
@click.option("--source", default="demo", show_default=True, help="demo | jsonl:PATH | - (stdin).")
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    help="Policy YAML (default: the shipped policy).",
)
@click.option("--max-samples", type=click.IntRange(min=1), help="Stop after N samples.")
@click.option(
    "--alerts-out",
    type=click.Path(dir_okay=False),
    help="Append alert events (JSONL, contract section 4) to this file.",
)
@click.option(
    "--verdicts-out",
    type=click.Path(dir_okay=False),
    help="Write one verdict per valid sample (JSONL, contract section 3).",
)
@click.option(
    "--dead-letters",
    "dead_letters_path",
    type=click.Path(dir_okay=False),
    help="Where malformed records go [default: beside --alerts-out, else ./].",
)
@click.option(
    "--metrics-port",
    type=click.IntRange(min=0, max=65535),
    default=0,
    show_default=True,
    help="Serve Prometheus /metrics on this port (0 = none).",
)
@click.option("--metrics-addr", default="127.0.0.1", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Demo traffic seed.")
@click.option(
    "--rate",
    type=click.FloatRange(min=0),
    default=0.0,
    help="Pace the source to N samples/s (0 = as fast as possible).",
)
@click.option("--batch-size", type=click.IntRange(min=1, max=65536), default=256, show_default=True)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Live status line [default: on when stderr is a terminal].",
)
def run(
    source,
    policy_path,
    max_samples,
    alerts_out,
    verdicts_out,
    dead_letters_path,
    metrics_port,
    metrics_addr,
    seed,
    rate,
    batch_size,
    progress,
) -> None:
    """Run the embedded monitor over a source until it ends or is stopped."""
    from alerts.sinks import JsonlSink
    from monitor.dead_letters import DeadLetters
    from monitor.health import Health, serve
    from monitor.metrics import Metrics
    from monitor.progress import Progress
    from monitor.runner import StopFlag, default_dead_letter_path
    from monitor.runner import run as run_stream
    from monitor.sources import SourceError, open_source

    policy = _policy(policy_path)
    try:
        records = open_source(source, seed=seed)
    except SourceError as exc:
        raise click.ClickException(str(exc)) from None
    metrics = Metrics()
    health = Health()
    metrics.batch_listeners.append(health.beat)
    # Serve before the classifier loads, so probes answer (not ready) while it does.
    if metrics_port:
        serve(metrics_port, metrics.registry, health, addr=metrics_addr)
        log.info(
            "metrics",
            url=f"http://{metrics_addr}:{metrics_port}/metrics",
            probes=["/healthz", "/readyz"],
        )
    metrics.policy.info({"name": policy.name, "version": policy.version})
    health.loaded("policy")
    pipeline = _pipeline(policy)
    metrics.classifier.info({"version": pipeline.classifier.version})
    health.loaded("classifier")
    stop = StopFlag()
    stop.install()
    dead_path = dead_letters_path or default_dead_letter_path(alerts_out)
    with ExitStack() as stack:
        sinks = [JsonlSink(alerts_out)] if alerts_out else []
        verdicts = stack.enter_context(open(verdicts_out, "wb")) if verdicts_out else None
        log.info(
            "started", source=source, policy=policy.version, segments_policy=len(policy.domains)
        )
        stats = run_stream(
            records,
            pipeline,
            source_name=source.split(":", 1)[0] if source != "-" else "stdin",
            alert_sinks=sinks,
            dead_letters=DeadLetters(dead_path),
            metrics=metrics,
            verdicts_out=verdicts,
            max_samples=max_samples,
            batch_size=batch_size,
            rate=rate,
            progress=Progress(enabled=progress),
            stop=stop,
        )
    log.info(
        "stopped",
        samples=stats.samples,
        valid=stats.valid,
        dead_letters=stats.dead_letters,
        dead_letter_file=str(dead_path) if stats.dead_letters else None,
        alerts=stats.alerts,
        samples_per_s=round(stats.samples / stats.elapsed_s) if stats.elapsed_s else None,
        by_signal=stats.stopped_by_signal,
    )


def _pipeline(policy: Policy):
    from classifiers import Classifier
    from monitor.pipeline import Pipeline

    return Pipeline(policy, Classifier.bootstrap(policy.domain_names()))


@main.command()
@click.option("--input", "input_path", required=True, help="JSONL of samples, or - for stdin.")
@click.option("--output", "output_path", required=True, help="JSONL of verdicts, or - for stdout.")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False))
@click.option(
    "--dead-letters",
    "dead_letters_path",
    type=click.Path(dir_okay=False),
    help="Where malformed lines go [default: OUTPUT.dead-letters.jsonl].",
)
@click.option(
    "--batch-size", type=click.IntRange(min=1, max=65536), default=1024, show_default=True
)
def classify(input_path, output_path, policy_path, dead_letters_path, batch_size) -> None:
    """Write one verdict per valid input sample, in input order."""
    from itertools import islice

    from monitor.contract import encode
    from monitor.dead_letters import DeadLetters
    from monitor.runner import decode_batch
    from monitor.sources import read_lines

    policy = _policy(policy_path)
    from classifiers import Classifier

    classifier = Classifier.bootstrap(policy.domain_names())
    if dead_letters_path is None:
        base = "classify" if output_path == "-" else output_path
        dead_letters_path = f"{base}.dead-letters.jsonl"
    dead_letters = DeadLetters(dead_letters_path)
    written = 0
    with ExitStack() as stack:
        if input_path == "-":
            source = sys.stdin.buffer
        else:
            try:
                source = stack.enter_context(open(input_path, "rb"))
            except OSError as exc:
                raise click.ClickException(f"cannot read {input_path}: {exc.strerror}") from None
        out = (
            sys.stdout.buffer
            if output_path == "-"
            else stack.enter_context(open(output_path, "wb"))
        )
        lines = read_lines(source, Path(input_path).name if input_path != "-" else "stdin")
        while batch := list(islice(lines, batch_size)):
            samples = decode_batch(batch, dead_letters, None)
            if samples:
                out.write(b"".join(encode(v) + b"\n" for v in classifier.classify(samples)))
                written += len(samples)
    dead_letters.close()
    log.info(
        "classified",
        verdicts=written,
        dead_letters=dead_letters.count,
        dead_letter_file=dead_letters_path if dead_letters.count else None,
    )


@main.group()
def policy() -> None:
    """Inspect the policy."""


@policy.command("show")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False))
def policy_show(policy_path: str | None) -> None:
    """Print the active policy as JSON, after validation."""
    click.echo(json.dumps(_policy(policy_path).to_dict(), indent=2))


if __name__ == "__main__":
    main()
