"""A monitor worker on Kafka: classify, track posture and alert, with nothing lost or recounted.

One consumer group over the samples topic. Samples are keyed by surface at ingest, so all
the core's state a sample touches (its segment, its surface's domain mix and rollouts) lives
in one partition, and a single stage does it all per partition: decode, classify, apply
posture and rules (the core :class:`Pipeline`, one per partition, sharing the injected
classifier), publish verdicts, review entries, alerts and escalations. There is no
repartition hop, the step where Faust lost messages under SIGKILL (FIELD-NOTES; see
``streams/README.md`` for why).

Why it loses nothing and counts nothing twice (at-least-once input, exactly-once state):

1. Outputs of the samples up to offset *o* are flushed and acknowledged by the broker
   **before** a snapshot saying "applied up to *o*" is written (``_snapshot``). A failed
   output stops the worker before that snapshot (fail-stop), so it is redone on restart.
2. State and its source offset travel in one message (:class:`PartitionState`): after a
   restart the worker seeks to ``applied + 1`` and skips anything at or below it, so a
   sample is in the posture exactly once.
3. Samples between the snapshot and the crash are processed again; the outputs they had
   already produced are found by reading the output topics from where they ended at
   snapshot time (``outputs_from``) and are not sent twice (``sm-id`` header).

Consumer-group offsets are committed after each snapshot only so that standard tools show
the group's lag; the snapshot, not the group offset, is the source of truth.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import msgspec
import structlog
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from classifiers.label_join import LabelJoin
from monitor.contract import (
    ContractError,
    Label,
    Sample,
    Verdict,
    decode_label,
    decode_sample,
    encode,
)
from monitor.dead_letters import reason_kind
from monitor.metrics import Metrics
from monitor.pipeline import Classifier, Pipeline
from monitor.policy import Policy
from monitor.runner import StopFlag
from streams.config import StreamsConfig
from streams.metrics import StreamMetrics
from streams.replay import dead_letter_value, sample_key
from streams.state import ID_HEADER, SOURCE_HEADER, PartitionState, StateStore, read_to_end

log = structlog.get_logger("safety_monitor.worker")

#: Output topics whose partition is the samples partition (one writer each).
_ALIGNED = ("verdicts", "review")
_OUTPUTS = ("verdicts", "review", "alerts", "escalations", "dead-letters")
_encoder = msgspec.json.Encoder()


class OutputError(RuntimeError):
    """An output could not be delivered: the worker stops before snapshotting past it."""


class ReviewEntry(msgspec.Struct):
    """A sample the classifiers were unsure about, for a human to look at."""

    sample_id: str
    verdict: Verdict
    sample: Sample


class LearningExample(msgspec.Struct):
    """A label joined to its sample, for every worker's classifier."""

    sample: Sample
    label: Label


_learning_decoder = msgspec.json.Decoder(LearningExample)


@dataclass
class WorkerStats:
    samples: int = 0
    skipped: int = 0
    dead_letters: int = 0
    alerts: int = 0
    snapshots: int = 0
    suppressed: int = 0
    labels: int = 0
    learned: int = 0


class _Partition:
    __slots__ = ("dirty", "hold", "pipeline", "redo_until", "state")

    def __init__(self, state: PartitionState, pipeline: Pipeline) -> None:
        self.state = state
        self.pipeline = pipeline
        self.dirty = False
        #: After a crash: the highest source offset whose outputs were already published,
        #: and where recovery started reading outputs. Until the partition is redone past
        #: that offset, its snapshots keep that start (a later crash must still see them).
        self.redo_until = -1
        self.hold: dict[str, dict[int, int]] = {}


class Worker:
    """Run with :meth:`run`; stops on SIGINT/SIGTERM after the batch in hand."""

    def __init__(
        self,
        config: StreamsConfig,
        policy: Policy,
        classifier: Classifier,
        *,
        metrics: Metrics | None = None,
        stop: StopFlag | None = None,
        name: str = "safety-monitor-worker",
        classifier_snapshot: str | None = None,
    ) -> None:
        self.config = config
        self.policy = policy
        self.classifier = classifier
        self.metrics = metrics or Metrics()
        self.kafka_metrics = StreamMetrics(self.metrics)
        self.stop = stop or StopFlag()
        self.name = name
        self.stats = WorkerStats()
        self._classifier_snapshot = classifier_snapshot
        self._classifier_saved_at = time.monotonic()
        self._assigned_at = 0.0
        self._closing = False
        self._fatal: Exception | None = None
        self._parts: dict[int, _Partition] = {}
        self._pending: list = []  # send futures since the last flush
        self._suppress: dict[str, set[str]] = {role: set() for role in _OUTPUTS}
        self._join = LabelJoin(self._learn, capacity=config.label_join_capacity)
        self._topics = {
            role: config.topic(role) for role in (*_OUTPUTS, "samples", "labels", "learning")
        }
        self._output_tps = [
            TopicPartition(config.topic(role), q)
            for role in _OUTPUTS
            for q in range(config.partitions_of(role))
        ]

    # -- lifecycle ------------------------------------------------------------------------
    def _connect(self) -> None:
        c = self.config
        self._producer = KafkaProducer(
            bootstrap_servers=c.bootstrap_servers,
            client_id=f"{self.name}-out",
            enable_idempotence=True,
            acks="all",
            # Outputs are only awaited at snapshot time: let them batch (fewer wakeups of
            # the sender thread, which competes with the core for the GIL).
            linger_ms=50,
            batch_size=1024 * 1024,
            max_request_size=c.max_snapshot_bytes,
        )
        self._reader = KafkaConsumer(
            bootstrap_servers=c.bootstrap_servers,
            client_id=f"{self.name}-reader",
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=c.max_snapshot_bytes,
            fetch_max_bytes=4 * c.max_snapshot_bytes,
        )
        self._store = StateStore(c.topic("state"), self._reader, self._producer)
        self._labels = KafkaConsumer(
            bootstrap_servers=c.bootstrap_servers,
            client_id=f"{self.name}-labels",
            group_id=None,
            enable_auto_commit=False,
        )
        # Every worker reads every partition of labels (the worker holding a label's sample
        # joins them and shares the pair on ``learning``) and of learning (so every
        # worker's classifier learns every label). Both from now on: the classifier's
        # snapshot holds what was learned before.
        shared = [
            TopicPartition(c.topic(role), q)
            for role in ("labels", "learning")
            for q in range(c.partitions_of(role))
        ]
        self._labels.assign(shared)
        self._labels.seek_to_end(*shared)
        self._consumer = KafkaConsumer(
            bootstrap_servers=c.bootstrap_servers,
            client_id=self.name,
            group_id=c.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=c.session_timeout_ms,
            heartbeat_interval_ms=c.heartbeat_interval_ms,
            max_poll_records=c.batch_size,
            # Whole batches per partition fetch (a sample is ~0.5-2 KB).
            max_partition_fetch_bytes=8 * 1024 * 1024,
        )
        self._consumer.subscribe([c.topic("samples")], listener=_Listener(self))

    def run(self, *, exit_when_idle_s: float | None = None) -> WorkerStats:
        """Process until stopped (or, with ``exit_when_idle_s``, idle that long)."""
        self._connect()
        c = self.config
        last_snapshot = last_data = last_lag = time.monotonic()
        log.info(
            "worker started",
            name=self.name,
            group=c.group_id,
            bootstrap=c.bootstrap_servers,
            samples_topic=self._topics["samples"],
        )
        try:
            while not self.stop.stopped:
                batch = self._consumer.poll(timeout_ms=c.poll_timeout_ms, max_records=c.batch_size)
                if self._fatal is not None:
                    raise self._fatal
                for tp, records in batch.items():
                    self._process(tp.partition, records)
                self._poll_labels()
                now = time.monotonic()
                if batch or now - self._assigned_at < 0.1:
                    last_data = now  # an assignment counts as activity: recovery takes time
                if now - last_snapshot >= c.snapshot_interval_s:
                    self._snapshot()
                    last_snapshot = now
                if (
                    self._classifier_snapshot
                    and now - self._classifier_saved_at >= c.classifier_save_interval_s
                ):
                    self._save_classifier()
                if now - last_lag >= 1.0:
                    self._observe_lag()
                    last_lag = now
                if (
                    exit_when_idle_s is not None
                    and self._parts
                    and now - last_data >= exit_when_idle_s
                    and self._caught_up()
                ):
                    break
        except BaseException:
            # The core may have applied part of a batch: that state must never be saved
            # with the old offset. Stop without a snapshot; the next owner redoes the batch.
            self._close(snapshot=False)
            raise
        self._close()
        return self.stats

    def _close(self, *, snapshot: bool = True) -> None:
        self._closing = True
        try:
            if snapshot:
                self._snapshot()
                if self._classifier_snapshot:
                    self._save_classifier()
        finally:
            if not snapshot:
                # Leaving the group would run the revoke callback, which snapshots.
                self._parts.clear()
            self._consumer.close()  # leaves the group: the others take over at once
            self._labels.close()
            self._reader.close()
            self._producer.close()
            log.info("worker stopped", name=self.name, **vars(self.stats))

    # -- processing -----------------------------------------------------------------------
    def _process(self, partition: int, records: Sequence) -> None:
        part = self._parts.get(partition)
        if part is None:
            return  # revoked while the fetch was in flight: the new owner will do it
        fresh = [r for r in records if r.offset > part.state.applied]
        if skipped := len(records) - len(fresh):
            self.stats.skipped += skipped
            self.kafka_metrics.replayed.labels("skipped").inc(skipped)
        if not fresh:
            return
        started = time.perf_counter()
        samples: list[Sample] = []
        keys: list[bytes] = []
        offsets: list[int] = []
        for record in fresh:
            raw = record.value or b""
            try:
                sample = decode_sample(raw)
            except ContractError as exc:
                self._dead_letter(partition, record.offset, raw, str(exc))
                continue
            key = sample_key(sample.model, sample.surface, self.config.partition_key)
            if record.key != key:
                self.kafka_metrics.misrouted.inc()
            samples.append(sample)
            keys.append(key)
            offsets.append(record.offset)
        if samples:
            result = part.pipeline.process(samples)
            self._publish(partition, samples, keys, offsets, result)
            self.metrics.observe_batch(samples, result, part.pipeline)
            done = time.perf_counter() - started
            for _ in samples:
                self.metrics.latency.observe(done)
        part.state.applied = fresh[-1].offset
        part.state.samples_seen = part.pipeline.samples_seen
        part.dirty = True
        self.stats.samples += len(fresh)
        self.metrics.samples.labels("kafka").inc(len(fresh))
        self.kafka_metrics.partition_samples.labels(str(partition)).inc(len(fresh))

    def _publish(self, partition: int, samples, keys, offsets, result) -> None:
        offset_of = {}
        for sample, key, offset, verdict in zip(
            samples, keys, offsets, result.verdicts, strict=True
        ):
            offset_of[sample.sample_id] = offset
            source = (partition, offset)
            self._emit("verdicts", key, encode(verdict), sample.sample_id, source, partition)
            if verdict.outcome == "uncertain":
                entry = _encoder.encode(ReviewEntry(sample.sample_id, verdict, sample))
                self._emit("review", key, entry, sample.sample_id, source, partition)
            self._join.add_sample(sample)
        for alert in result.alerts:
            self.stats.alerts += 1
            value = encode(alert)
            key = alert.dedup_key.encode()
            source = (partition, offset_of.get(alert.detected_at_sample_id, offsets[-1]))
            self._emit("alerts", key, value, alert.alert_id, source)
            if alert.severity == "critical":
                self._emit("escalations", key, value, alert.alert_id, source)
            self.metrics.observe_alert(alert)
            log.warning(
                "alert",
                status=alert.status,
                rule=alert.rule,
                metric=alert.metric,
                domain=alert.segment.domain,
                model=alert.segment.model,
                surface=alert.segment.surface,
                sample_id=alert.detected_at_sample_id,
                dedup_key=alert.dedup_key,
            )

    def _dead_letter(self, partition: int, offset: int, raw: bytes, reason: str) -> None:
        origin = f"{self._topics['samples']}:{partition}:{offset}"
        value = dead_letter_value(raw, origin, reason)
        self._emit("dead-letters", origin.encode(), value, origin, (partition, offset))
        self.metrics.dead_letter(reason_kind(reason))
        self.stats.dead_letters += 1

    def _emit(
        self,
        role: str,
        key: bytes,
        value: bytes,
        ident: str,
        source: tuple[int, int],
        partition: int | None = None,
    ) -> None:
        suppressed = self._suppress[role]
        if ident in suppressed:
            # Published before the crash that made us redo this sample: not again.
            suppressed.discard(ident)
            self.stats.suppressed += 1
            self.kafka_metrics.replayed.labels(f"{role}_not_resent").inc()
            return
        self._pending.append(
            self._producer.send(
                self._topics[role],
                key=key,
                value=value,
                partition=partition,
                # Identity, and the samples partition and offset that produced it.
                headers=[(ID_HEADER, ident.encode()), (SOURCE_HEADER, b"%d:%d" % source)],
            )
        )

    # -- labels ---------------------------------------------------------------------------
    def _poll_labels(self) -> None:
        batch = self._labels.poll(timeout_ms=0, max_records=5_000)
        for tp, records in batch.items():
            if tp.topic == self._topics["learning"]:
                for record in records:
                    example = _learning_decoder.decode(record.value)
                    self.classifier.learn(example.sample, example.label)
                    self.stats.learned += 1
                continue
            for record in records:
                try:
                    label = decode_label(record.value or b"")
                except ContractError as exc:
                    self.kafka_metrics.labels_joined.labels("malformed").inc()
                    log.warning("malformed label", offset=record.offset, reason=str(exc))
                    continue
                self.stats.labels += 1
                joined = self._join.add_label(label)  # shared at once when joined
                self.kafka_metrics.labels_joined.labels("joined" if joined else "held").inc()

    def _learn(self, sample: Sample, label: Label) -> None:
        """A label met its sample here: share the pair with every worker (this one too)."""
        self._producer.send(
            self._topics["learning"],
            key=sample.sample_id.encode(),
            value=_encoder.encode(LearningExample(sample, label)),
        )

    def _save_classifier(self) -> None:
        """Save the learning classifier so a restart starts from what it learned."""
        self._classifier_saved_at = time.monotonic()
        save = getattr(self.classifier, "save", None)
        if save is None:
            return
        try:
            save(self._classifier_snapshot)  # atomic (write, fsync, rename)
        except OSError as exc:
            log.warning(
                "classifier snapshot not saved", path=self._classifier_snapshot, reason=str(exc)
            )

    # -- state ----------------------------------------------------------------------------
    def _snapshot(self, partitions: Iterable[int] | None = None) -> None:
        """Flush outputs, then write the state of dirty partitions, then commit offsets."""
        targets = [
            p
            for p in (partitions if partitions is not None else list(self._parts))
            if p in self._parts and self._parts[p].dirty
        ]
        if not targets and not self._pending:
            return
        self._producer.flush()
        for future in self._pending:
            if not future.succeeded():
                raise OutputError(f"output not delivered: {future.exception!r}")
        self._pending.clear()
        if not targets:
            return
        # Where every output partition ends now: anything produced after this snapshot
        # lies at or beyond it. (Tansu may under-report ends; a lower bound is still right.)
        ends = self._reader.end_offsets(self._output_tps)
        outputs_from: dict[str, dict[int, int]] = {}
        for tp, end in ends.items():
            outputs_from.setdefault(tp.topic, {})[tp.partition] = end
        for p in targets:
            part = self._parts[p]
            if part.redo_until > part.state.applied:
                # Still redoing what a crashed owner had published: the next recovery must
                # read those outputs too, so do not move past where this one started.
                part.state.outputs_from = {
                    topic: {
                        q: min(end, part.hold.get(topic, {}).get(q, end))
                        for q, end in ends_of.items()
                    }
                    for topic, ends_of in outputs_from.items()
                }
            else:
                part.state.outputs_from = outputs_from
        sizes = self._store.save([self._parts[p].state for p in targets])
        commits = {}
        for p in targets:
            part = self._parts[p]
            part.dirty = False
            self.stats.snapshots += 1
            self.kafka_metrics.snapshots.inc()
            self.kafka_metrics.snapshot_bytes.labels(str(p)).set(sizes[p])
            commits[TopicPartition(self._topics["samples"], p)] = OffsetAndMetadata(
                part.state.applied + 1, "", -1
            )
        try:
            self._consumer.commit(commits)
        except KafkaError as exc:  # a rebalance in progress: the next snapshot commits
            log.info("offset commit skipped", reason=repr(exc))

    def _on_assigned(self, assigned: list[TopicPartition]) -> None:
        new = sorted(tp.partition for tp in assigned if tp.partition not in self._parts)
        self.kafka_metrics.rebalances.labels("assigned").inc()
        if new:
            self._recover(new)
        for tp in assigned:
            self._consumer.seek(tp, self._parts[tp.partition].state.applied + 1)
        self.kafka_metrics.assigned.set(len(self._parts))
        self._assigned_at = time.monotonic()

    def _caught_up(self) -> bool:
        """Every owned partition applied up to its fetch high watermark."""
        for tp in self._consumer.assignment():
            high = self._consumer.highwater(tp)
            part = self._parts.get(tp.partition)
            if high is None or part is None or part.state.applied + 1 < high:
                return False
        return True

    def _on_revoked(self, revoked: list[TopicPartition]) -> None:
        self.kafka_metrics.rebalances.labels("revoked").inc()
        gone = [tp.partition for tp in revoked if tp.partition in self._parts]
        self._snapshot(gone)
        for p in gone:
            del self._parts[p]
            if not self._closing:  # keep the last values for a final scrape
                with contextlib.suppress(KeyError):
                    self.kafka_metrics.lag.remove(str(p))
        self.kafka_metrics.assigned.set(len(self._parts))
        log.info("partitions revoked", partitions=gone)

    def _recover(self, partitions: list[int]) -> None:
        started = time.perf_counter()
        states = {p: self._store.load(p) or PartitionState(p) for p in partitions}
        # Outputs published after each snapshot: scan from where the topics ended then.
        start: dict[TopicPartition, int] = {}
        for role in _OUTPUTS:
            topic = self._topics[role]
            for p, state in states.items():
                ends = state.outputs_from.get(topic, {})
                qs = [p] if role in _ALIGNED else range(self.config.partitions_of(role))
                for q in qs:
                    tp = TopicPartition(topic, q)
                    start[tp] = min(start.get(tp, ends.get(q, 0)), ends.get(q, 0))
        by_topic: dict[str, set[str]] = {}
        redo_until = {p: -1 for p in states}
        for record in read_to_end(self._reader, start):
            headers = dict(record.headers or ())
            if ID_HEADER not in headers or SOURCE_HEADER not in headers:
                continue
            p, offset = map(int, headers[SOURCE_HEADER].split(b":"))
            if p not in states or offset <= states[p].applied:
                continue  # another partition's, or covered by the snapshot already
            by_topic.setdefault(record.topic, set()).add(headers[ID_HEADER].decode())
            redo_until[p] = max(redo_until[p], offset)
        for role in _OUTPUTS:
            self._suppress[role] |= by_topic.get(self._topics[role], set())
        for p, state in states.items():
            pipeline = Pipeline(self.policy, self.classifier)
            # The partition's share of the core's state (the label window is not part of
            # it: labels are joined by the worker, see _poll_labels).
            pipeline.segments = state.segments
            pipeline.samples_seen = state.samples_seen
            for name in ("mixes", "rollouts"):
                if getattr(state, name, None) is not None and hasattr(pipeline, name):
                    setattr(pipeline, name, getattr(state, name))
                else:
                    setattr(state, name, getattr(pipeline, name, None))
            part = self._parts[p] = _Partition(state, pipeline)
            part.redo_until = redo_until[p]
            for tp, offset in start.items():
                part.hold.setdefault(tp.topic, {})[tp.partition] = offset
        seconds = time.perf_counter() - started
        self.kafka_metrics.recovery.observe(seconds)
        log.info(
            "partitions recovered",
            partitions=partitions,
            applied={p: s.applied for p, s in states.items()},
            outputs_seen={r: len(by_topic.get(self._topics[r], ())) for r in _OUTPUTS},
            seconds=round(seconds, 3),
        )

    def _observe_lag(self) -> None:
        for tp in self._consumer.assignment():
            high = self._consumer.highwater(tp)  # from fetches: right on Tansu too
            if high is None or tp.partition not in self._parts:
                continue
            behind = high - (self._parts[tp.partition].state.applied + 1)
            self.kafka_metrics.lag.labels(str(tp.partition)).set(max(0, behind))


class _Listener(ConsumerRebalanceListener):
    def __init__(self, worker: Worker) -> None:
        self._worker = worker

    # kafka-python logs and swallows exceptions of these callbacks: hand them to the loop,
    # which stops the worker (a failed output or recovery must not be processed past).
    def on_partitions_revoked(self, revoked):
        try:
            self._worker._on_revoked(list(revoked))
        except Exception as exc:
            self._worker._fatal = exc

    def on_partitions_assigned(self, assigned):
        try:
            self._worker._on_assigned(list(assigned))
        except Exception as exc:
            self._worker._fatal = exc


__all__ = ["OutputError", "ReviewEntry", "Worker", "WorkerStats"]
