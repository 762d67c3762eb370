"""The ``safety-monitor`` command line (CONTRACT.md section 5)."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path

import click
import structlog

from monitor._cli_options import metrics_options, policy_option
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
@click.option(
    "--source", default="demo", show_default=True, help="demo | jsonl:PATH | - (stdin) | kafka."
)
@policy_option
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
@metrics_options
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
@click.option(
    "--labels",
    "labels_path",
    type=click.Path(dir_okay=False, exists=True),
    help="JSONL of labels (contract section 2), replayed in time order with the samples.",
)
@click.option(
    "--ack-port",
    type=click.IntRange(min=0, max=65535),
    default=0,
    help="Serve the alert acknowledgement API on this port (policies with receivers).",
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
    labels_path,
    ack_port,
) -> None:
    """Run the embedded monitor over a source until it ends or is stopped."""
    from alerts.config import ConfigError
    from alerts.factory import build_alert_sink
    from monitor.dead_letters import DeadLetters
    from monitor.health import Health, serve
    from monitor.metrics import Metrics
    from monitor.progress import Progress
    from monitor.runner import StopFlag, default_dead_letter_path
    from monitor.runner import run as run_stream
    from monitor.sources import SourceError, open_source, parse_source

    if source == "kafka":  # the monitor as a worker of a consumer group (streams/)
        from streams.cli import run_worker

        run_worker(
            policy_path=policy_path,
            metrics_port=metrics_port,
            metrics_addr=metrics_addr,
            batch_size=batch_size,
        )
        return
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
        labels = ()
        if labels_path:
            from monitor.sources import read_lines

            handle = stack.enter_context(open(labels_path, "rb"))
            labels = read_lines(handle, Path(labels_path).name)
        try:
            # Routes and delivers when the policy has receivers; else a JSONL file (or none).
            sink = build_alert_sink(policy, alerts_out=alerts_out, registry=metrics.registry)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        if ack_port:
            from alerts.ack_api import AckServer

            router = getattr(sink, "router", None)
            if router is None:
                raise click.ClickException("--ack-port needs a policy with alert receivers")
            AckServer(router, port=ack_port).start()
        verdicts = stack.enter_context(open(verdicts_out, "wb")) if verdicts_out else None
        log.info("started", source=source, policy=policy.version, domains=len(policy.domains))
        stats = run_stream(
            records,
            pipeline,
            source_name=parse_source(source)[0],  # demo | jsonl | stdin: a bounded label
            alert_sinks=[sink],
            dead_letters=DeadLetters(dead_path),
            metrics=metrics,
            verdicts_out=verdicts,
            max_samples=max_samples,
            batch_size=batch_size,
            rate=rate,
            progress=Progress(enabled=progress),
            stop=stop,
            labels=labels,
        )
    log.info(
        "stopped",
        samples=stats.samples,
        valid=stats.valid,
        dead_letters=stats.dead_letters,
        dead_letter_file=str(dead_path) if stats.dead_letters else None,
        alerts=stats.alerts,
        labels=stats.labels,
        expected_false_alarms=round(pipeline.expected_false_alarms, 2),
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
@policy_option
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
@policy_option
def policy_show(policy_path: str | None) -> None:
    """Print the active policy as JSON, after validation."""
    click.echo(json.dumps(_policy(policy_path).to_dict(), indent=2))


# -- issue 8: human review loop and posture reports ------------------------------------------


def _utc(value: str | None, name: str):
    """An RFC 3339 time from the command line (a time without an offset is UTC)."""
    import datetime as dt

    if value is None:
        return None
    try:
        t = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an RFC 3339 time", param_hint=name) from None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _classify_fn(policy: Policy):
    """The shipped classifiers, with upstream grader verdicts applied, for sample input."""

    def classify(samples):
        try:
            from classifiers import Classifier
            from monitor.pipeline import apply_grader
        except ImportError as exc:
            raise click.ClickException(
                f"the input holds samples, but the classifiers cannot be loaded ({exc}): "
                "pass verdicts (run --verdicts-out) with --samples instead"
            ) from None
        classifier = Classifier.bootstrap(policy.domain_names())
        domains = frozenset(policy.domain_names())
        verdicts = classifier.classify(samples)
        return [
            apply_grader(v, s.grader, domains, 0.15) if s.grader is not None else v
            for s, v in zip(samples, verdicts, strict=True)
        ]

    return classify


@main.command()
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help='JSONL of verdicts, of {"sample", "verdict"} records, or of samples '
    "(classified on the fly).",
)
@click.option(
    "--samples",
    type=click.Path(exists=True, dir_okay=False),
    help="Samples to join verdicts with by sample_id (model, surface, time).",
)
@click.option(
    "--alerts",
    type=click.Path(exists=True, dir_okay=False),
    help="Alert events JSONL (contract section 4).",
)
@click.option(
    "--labels",
    type=click.Path(exists=True, dir_okay=False),
    help='Labels JSONL (contract section 2), adjudicator labels with source "adjudicator".',
)
@click.option(
    "--tasks",
    type=click.Path(exists=True, dir_okay=False),
    help="Review tasks JSONL: marks the random slice used to correct rates.",
)
@click.option(
    "--gold",
    "gold_path",
    type=click.Path(dir_okay=False),
    help="Gold-set file to calibrate labellers against.",
)
@policy_option
@click.option("--since", help="Start of the window (RFC 3339, inclusive; sample time).")
@click.option("--until", help="End of the window (RFC 3339, exclusive; sample time).")
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="HTML report (self-contained).",
)
@click.option(
    "--markdown",
    "markdown_path",
    type=click.Path(dir_okay=False),
    help="Also a Markdown report; its figures go to <name>_figures/ beside it.",
)
@click.option("--title", default="Deployment safety posture report", show_default=True)
@click.option(
    "--coverage-target",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    help="Labelled samples wanted per domain x outcome.",
)
def report(
    input_path,
    samples,
    alerts,
    labels,
    tasks,
    gold_path,
    policy_path,
    since,
    until,
    out_path,
    markdown_path,
    title,
    coverage_target,
) -> None:
    """Write a posture report (HTML, optionally Markdown) for a window of traffic."""
    from monitor.report import build_report, write_report
    from monitor.report_inputs import load_inputs

    policy = _policy(policy_path)
    try:
        inputs = load_inputs(
            input_path,
            samples=samples,
            alerts=alerts,
            labels=labels,
            tasks=tasks,
            since=_utc(since, "--since"),
            until=_utc(until, "--until"),
            classify=_classify_fn(policy),
        )
    except OSError as exc:
        raise click.ClickException(f"cannot read {exc.filename}: {exc.strerror}") from None
    if not inputs.records:
        raise click.ClickException("no verdicts in the window: nothing to report")
    built = build_report(
        inputs, policy, title=title, gold_path=gold_path, coverage_target=coverage_target
    )
    write_report(built, out_path, markdown_path)
    log.info(
        "report",
        html=out_path,
        markdown=markdown_path,
        samples=len(inputs.records),
        alerts=len(inputs.alerts),
        labels=len(inputs.labels),
        skipped=inputs.skipped,
    )


@main.group()
def review() -> None:
    """The human review loop: labelling tasks, agreement, gold set."""


@review.command("tasks")
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help='Verdicts (with --samples) or {"sample", "verdict"} records, in stream order.',
)
@click.option("--samples", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--alerts",
    type=click.Path(exists=True, dir_okay=False),
    help="Alert events: their evidence samples become tasks.",
)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Labelling tasks JSONL (one ReviewTask a line).",
)
@click.option(
    "--budget-per-hour",
    type=click.IntRange(min=1),
    default=60,
    show_default=True,
    help="Tasks per hour of sample time.",
)
@click.option("--random-share", type=click.FloatRange(0, 1), default=0.5, show_default=True)
@click.option("--alert-share", type=click.FloatRange(0, 1), default=0.2, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@policy_option
def review_tasks(
    input_path,
    samples,
    alerts,
    out_path,
    budget_per_hour,
    random_share,
    alert_share,
    seed,
    policy_path,
) -> None:
    """Select samples for human review within a budget and write them as labelling tasks."""
    from monitor.contract import encode
    from monitor.report_inputs import load_inputs
    from monitor.review_queue import ReviewSelector, select_tasks

    policy = _policy(policy_path)
    inputs = load_inputs(
        input_path, samples=samples, alerts=alerts, classify=_classify_fn(policy), keep_samples=True
    )
    if inputs.unjoined:
        raise click.ClickException(
            f"{inputs.unjoined} verdicts have no sample: tasks need the samples (--samples)"
        )
    try:
        selector = ReviewSelector(
            budget_per_hour,
            random_share=random_share,
            alert_share=alert_share,
            seed=seed,
            policy=policy,
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    pairs = ((inputs.samples[r.sample_id], r.verdict) for r in inputs.records)
    written = 0
    with open(out_path, "wb") as out:
        for task in select_tasks(pairs, inputs.alerts, selector):
            out.write(encode(task) + b"\n")
            written += 1
    log.info("review tasks", tasks=written, out=out_path, capped=selector.capped or None)


@review.command("gold")
@click.option("--labels", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--gold-set",
    "gold_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Append-only gold file; created if absent.",
)
@click.option(
    "--min-raters",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Independent raters a field needs without an adjudicator.",
)
@click.option("--note", default="", help="Why this version (kept in the file).")
def review_gold(labels, gold_path, min_raters, note) -> None:
    """Adjudicate labels and commit the settled items as a new gold-set version."""
    from monitor.adjudication import adjudicate
    from monitor.contract import decode_label
    from monitor.gold_set import GoldSet, gold_items

    parsed, bad = [], 0
    with open(labels, "rb") as f:
        for line in f:
            if line.strip():
                try:
                    parsed.append(decode_label(line))
                except ValueError:
                    bad += 1
    result = adjudicate(parsed, min_raters=min_raters)
    store = GoldSet(gold_path)
    before = store.head()
    version = store.commit(gold_items(result.items.values(), min_raters=min_raters), note=note)
    diff = store.diff(before, version)
    click.echo(
        json.dumps(
            {
                "version": version,
                "parent": before,
                "items": len(store.items(version)),
                "added": len(diff.added),
                "changed": len(diff.changed),
                "removed": len(diff.removed),
                "adjudicator_queue": len(result.queue),
                "malformed_labels": bad,
            }
        )
    )


@review.command("agreement")
@click.option("--labels", required=True, type=click.Path(exists=True, dir_okay=False))
def review_agreement(labels) -> None:
    """Print inter-labeller agreement per domain and field as JSON lines."""
    import dataclasses

    from monitor.agreement import agreement_table
    from monitor.contract import decode_label

    parsed = []
    with open(labels, "rb") as f:
        for line in f:
            if line.strip():
                try:
                    parsed.append(decode_label(line))
                except ValueError:
                    continue
    for row in agreement_table(parsed):
        click.echo(json.dumps(dataclasses.asdict(row)))


@review.command("simulate")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory for samples, verdicts, alerts, tasks and labels JSONL.",
)
@click.option("--samples", "n", type=click.IntRange(min=100), default=16_000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def review_simulate(out_dir, n, seed) -> None:
    """Demo inputs for a report: demo traffic with simulated labellers (no real people)."""
    from monitor.report_demo import write_demo_inputs

    paths = write_demo_inputs(out_dir, samples=n, seed=seed)
    click.echo(json.dumps({k: str(v) for k, v in paths.items()}))


def _add_streams_commands() -> None:
    # Kafka commands live in streams/ (worker, replay, topics); kafka is imported lazily.
    from streams.cli import COMMANDS

    for command in COMMANDS:
        main.add_command(command)


_add_streams_commands()

if __name__ == "__main__":
    main()
