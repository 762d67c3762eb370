"""Kafka commands of ``safety-monitor``: ``worker``, ``replay``, ``topics create``.

Registered on the main group by :mod:`monitor.cli`; Kafka clients are imported only when a
command runs, so the rest of the CLI does not pay for them.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os

import click
import structlog

from monitor._cli_options import metrics_options, policy_option

log = structlog.get_logger("safety_monitor.cli")

_DEFAULT_CLASSIFIER = "classifiers:Classifier.bootstrap"


def _kafka_options(fn):
    """Options every Kafka command shares; each overrides its SAFETY_MONITOR_KAFKA_* env."""
    for option in reversed(
        [
            click.option(
                "--bootstrap-servers",
                "bootstrap_servers",
                help="host:port[,host:port] [env SAFETY_MONITOR_KAFKA_BOOTSTRAP_SERVERS; "
                "default 127.0.0.1:9092].",
            ),
            click.option(
                "--topic-prefix",
                "prefix",
                help="Topic names are PREFIX + role [default safety-monitor.].",
            ),
            click.option(
                "--partitions",
                type=click.IntRange(min=1),
                help="Partitions of samples/verdicts/review/state [default 8].",
            ),
        ]
    ):
        fn = option(fn)
    return fn


def streams_config(**overrides):
    from streams.config import StreamsConfig

    return StreamsConfig.from_env(**overrides)


def load_classifier(spec: str, domain_names: list[str], snapshot: str | None = None):
    """``module:attr[.attr]`` of a callable taking the policy's domain names; or, when the
    ``snapshot`` file exists and the classifier's class can ``load`` it, that snapshot (one
    from another release's features is logged and passed over)."""
    module_name, _, attr = spec.partition(":")
    target = importlib.import_module(module_name)
    for part in attr.split("."):
        target = getattr(target, part)
    if snapshot and os.path.exists(snapshot):
        owner = target.__self__ if inspect.ismethod(target) else target
        if hasattr(owner, "load"):
            from classifiers.snapshot import SnapshotError

            try:
                loaded = owner.load(snapshot)
            except SnapshotError as exc:
                # An upgrade changed what the weights mean: what the snapshot learnt is lost,
                # loudly, and the worker starts from the shipped state (labels can be replayed).
                log.warning("classifier snapshot unusable, starting afresh", error=str(exc))
            else:
                log.info("classifier snapshot loaded", path=snapshot)
                return loaded
    return target(domain_names)


@click.command()
@_kafka_options
@click.option("--group-id", help="Consumer group [default safety-monitor].")
@policy_option
@click.option(
    "--classifier",
    "classifier_spec",
    default=_DEFAULT_CLASSIFIER,
    show_default=True,
    help="MODULE:CALLABLE building the classifier from the policy's domain names.",
)
@click.option(
    "--classifier-snapshot",
    type=click.Path(dir_okay=False),
    help="Start from this classifier snapshot when it exists; save the learning classifier "
    "to it periodically and at stop ({name} is replaced by the worker name).",
)
@metrics_options
@click.option("--batch-size", type=click.IntRange(min=1, max=65536))
@click.option("--session-timeout-ms", type=click.IntRange(min=1000))
@click.option("--heartbeat-interval-ms", type=click.IntRange(min=100))
@click.option("--snapshot-interval-s", type=click.FloatRange(min=0))
@click.option(
    "--exit-when-idle",
    type=click.FloatRange(min=0),
    help="Exit after this many seconds without samples (batch jobs, benchmarks).",
)
@click.option("--name", default=None, help="Client id of this worker [default: host-pid].")
def worker(
    bootstrap_servers,
    prefix,
    partitions,
    group_id,
    policy_path,
    classifier_spec,
    classifier_snapshot,
    metrics_port,
    metrics_addr,
    batch_size,
    session_timeout_ms,
    heartbeat_interval_ms,
    snapshot_interval_s,
    exit_when_idle,
    name,
) -> None:
    """Run a monitor worker on Kafka (one of a consumer group)."""
    run_worker(
        policy_path=policy_path,
        classifier_spec=classifier_spec,
        classifier_snapshot=classifier_snapshot,
        metrics_port=metrics_port,
        metrics_addr=metrics_addr,
        exit_when_idle=exit_when_idle,
        name=name,
        bootstrap_servers=bootstrap_servers,
        prefix=prefix,
        partitions=partitions,
        group_id=group_id,
        batch_size=batch_size,
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=heartbeat_interval_ms,
        snapshot_interval_s=snapshot_interval_s,
    )


def run_worker(
    *,
    policy_path=None,
    classifier_spec=_DEFAULT_CLASSIFIER,
    classifier_snapshot=None,
    metrics_port=0,
    metrics_addr="127.0.0.1",
    exit_when_idle=None,
    name=None,
    **overrides,
) -> None:
    """Start a worker (``worker`` and ``run --source kafka``)."""
    import socket

    from monitor.cli import _policy
    from monitor.metrics import Metrics, start_http_server
    from monitor.runner import StopFlag
    from streams.worker import Worker

    config = streams_config(**overrides)
    policy = _policy(policy_path)
    name = name or f"{socket.gethostname()}-{os.getpid()}"
    if classifier_snapshot:
        classifier_snapshot = classifier_snapshot.replace("{name}", name)
    classifier = load_classifier(classifier_spec, policy.domain_names(), classifier_snapshot)
    metrics = Metrics()
    metrics.policy.info({"name": policy.name, "version": policy.version})
    metrics.classifier.info({"version": classifier.version})
    if metrics_port:
        start_http_server(metrics_port, metrics.registry, addr=metrics_addr)
        log.info("metrics", url=f"http://{metrics_addr}:{metrics_port}/metrics")
    stop = StopFlag()
    stop.install()
    Worker(
        config,
        policy,
        classifier,
        metrics=metrics,
        stop=stop,
        name=name,
        classifier_snapshot=classifier_snapshot,
    ).run(exit_when_idle_s=exit_when_idle)


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--topic", required=True, help="Topic to publish to (e.g. safety-monitor.samples).")
@click.option(
    "--kind",
    type=click.Choice(["auto", "samples", "labels"]),
    default="auto",
    show_default=True,
    help="auto: labels when the topic name ends in 'labels'.",
)
@click.option(
    "--dead-letters",
    "dead_letters_path",
    type=click.Path(dir_okay=False),
    help="Also append malformed lines to this JSONL file.",
)
@_kafka_options
def replay(path, topic, kind, dead_letters_path, bootstrap_servers, prefix, partitions) -> None:
    """Publish a JSONL file of samples or labels to Kafka (malformed lines: dead letters)."""
    from monitor.dead_letters import DeadLetters
    from streams.replay import replay as run_replay

    config = streams_config(
        bootstrap_servers=bootstrap_servers, prefix=prefix, partitions=partitions
    )
    stats = run_replay(
        path,
        topic,
        config,
        kind=kind,
        dead_letters=DeadLetters(dead_letters_path) if dead_letters_path else None,
    )
    click.echo(json.dumps({"published": stats.published, "dead_letters": stats.dead_letters}))


@click.group()
def topics() -> None:
    """Manage the Kafka topics of a deployment."""


@topics.command("create")
@_kafka_options
@click.option(
    "--side-partitions",
    type=click.IntRange(min=1),
    help="Partitions of labels/alerts/escalations/dead letters [default 4].",
)
@click.option("--replication-factor", type=click.IntRange(min=1))
def topics_create(
    bootstrap_servers, prefix, partitions, side_partitions, replication_factor
) -> None:
    """Create every topic with its partitions and configs (existing ones are kept)."""
    from streams.topics import create_topics

    config = streams_config(
        bootstrap_servers=bootstrap_servers,
        prefix=prefix,
        partitions=partitions,
        side_partitions=side_partitions,
        replication_factor=replication_factor,
    )
    click.echo(json.dumps(create_topics(config), indent=2))


@topics.command("list")
@_kafka_options
def topics_list(bootstrap_servers, prefix, partitions) -> None:
    """Print the topics this configuration uses, with partitions and configs."""
    from streams.topics import topic_specs

    config = streams_config(
        bootstrap_servers=bootstrap_servers, prefix=prefix, partitions=partitions
    )
    click.echo(json.dumps([vars(s) for s in topic_specs(config)], indent=2))


COMMANDS = (worker, replay, topics)
