"""streams/ without a broker: configuration, topic layout, state snapshots, sample keys."""

from __future__ import annotations

from monitor.contract import Label
from monitor.pipeline import Pipeline
from monitor.policy import load_policy
from monitor.testing import FixedClassifier, make_sample
from streams.config import StreamsConfig
from streams.replay import dead_letter_value, sample_key
from streams.state import PartitionState
from streams.topics import topic_specs


def test_config_env_then_overrides():
    env = {"SAFETY_MONITOR_KAFKA_PARTITIONS": "12", "SAFETY_MONITOR_KAFKA_PREFIX": "x."}
    cfg = StreamsConfig.from_env(env, group_id="g", partitions=None)
    assert (cfg.partitions, cfg.prefix, cfg.group_id) == (12, "x.", "g")
    assert cfg.topic("alerts") == "x.alerts"
    assert StreamsConfig.from_env(env, partitions=3).partitions == 3


def test_topic_layout_aligns_samples_verdicts_review_and_state():
    specs = {s.name: s for s in topic_specs(StreamsConfig(partitions=6, side_partitions=2))}
    assert len(specs) == 9
    for role in ("samples", "verdicts", "review", "state"):
        assert specs[f"safety-monitor.{role}"].partitions == 6
    assert specs["safety-monitor.alerts"].partitions == 2
    assert specs["safety-monitor.state"].configs["cleanup.policy"] == "compact"


def test_snapshot_round_trip_keeps_posture_and_offset():
    pipeline = Pipeline(load_policy(), FixedClassifier())
    pipeline.process([make_sample(f"s-{i}") for i in range(50)])
    state = PartitionState(
        3, applied=49, segments=pipeline.segments, samples_seen=50, outputs_from={"t": {0: 7}}
    )
    back = PartitionState.decode(state.encode())
    assert (back.partition, back.applied, back.samples_seen) == (3, 49, 50)
    assert back.outputs_from == {"t": {0: 7}}
    key = next(iter(pipeline.segments))
    assert vars(back.segments[key].counts) == vars(pipeline.segments[key].counts)
    # The restored state goes on exactly as the original would.
    restored = Pipeline(load_policy(), FixedClassifier())
    restored.segments = back.segments
    more = [make_sample(f"t-{i}") for i in range(10)]
    pipeline.process(more)
    restored.process(more)
    assert vars(restored.segments[key].counts) == vars(pipeline.segments[key].counts)


def test_sample_key_and_dead_letter_value():
    assert sample_key("m", "chat") == b"chat"
    assert sample_key("m", "chat", "model|surface") == b"m|chat"
    value = dead_letter_value(b"{oops", "f.jsonl:3", "JSON is malformed")
    assert b'"reason":"JSON is malformed"' in value and b'"kind":"json"' in value


def test_classifier_comes_from_its_snapshot_when_there_is_one(tmp_path):
    from streams.cli import load_classifier

    domains = ["cyber", "none"]
    path = tmp_path / "clf.npz"
    fresh = load_classifier("classifiers:Classifier.bootstrap", domains, str(path))
    fresh.learn(make_sample("s-1"), Label("s-1", "human", response="refused"))
    fresh.save(path)
    loaded = load_classifier("classifiers:Classifier.bootstrap", domains, str(path))
    assert loaded is not fresh and loaded.version == fresh.version
    fixed = load_classifier("tests.standins:fixed_classifier", domains, str(tmp_path / "x"))
    assert fixed.version == "fixed"


def test_a_classifier_snapshot_of_other_features_is_passed_over(tmp_path):
    from classifiers.snapshot import write_snapshot
    from streams.cli import load_classifier

    path = tmp_path / "old.npz"
    write_snapshot(path, {"kind": "safety-monitor-classifier", "features_version": 1}, {})
    before = path.read_bytes()
    clf = load_classifier("classifiers:Classifier.bootstrap", ["cyber", "none"], str(path))
    assert clf.version.endswith("-u0")  # the shipped state, nothing learnt
    assert path.read_bytes() == before  # left as it was until the worker next saves
