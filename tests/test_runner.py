"""The embedded runner and CLI on finite files: malformed input, verdicts, metrics."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitor.contract import Grader, encode
from monitor.dead_letters import DeadLetters
from monitor.metrics import Metrics, start_http_server
from monitor.pipeline import Pipeline
from monitor.policy import load_policy
from monitor.runner import run
from monitor.sources import RawRecord, open_source
from monitor.testing import CapturingSink, FixedClassifier, make_sample

CLI = [sys.executable, "-m", "monitor.cli"]


def _valid(i: int) -> bytes:
    return encode(make_sample(f"ok-{i}", request=f"question {i}", response=f"answer {i}"))


BAD_LINES = [
    b"{broken json",
    b'{"sample_id": 5, "timestamp": "2026-01-01T00:00:00Z", "model": "m", "messages": []}',
    b'{"sample_id": "x", "model": "m", "messages": []}',
    b'{"sample_id": "nul\\u0000", "timestamp": "2026-01-01T00:00:00Z"}',
    b'{"sample_id": "n\x00ul", "timestamp": "2026-01-01T00:00:00Z"}',
    b'{"sample_id": "x", "timestamp": "2026-01-01T00:00:00Z", "model": "m", "messages": '
    b'[{"role": "user", "content": "hi"}]}',
    b"\xff\xfe not utf-8",
    b'"just a string"',
]


def _mixed_file(path: Path, n_valid: int = 40) -> tuple[list[str], int]:
    huge = b'{"sample_id": "huge", "note": "' + b"x" * 1_200_000 + b'"}'
    lines, valid_ids = [], []
    bad = [*BAD_LINES, huge]
    for i in range(n_valid):
        lines.append(_valid(i))
        valid_ids.append(f"ok-{i}")
        if i < len(bad):
            lines.append(bad[i])
    lines.append(b"")  # a blank line is skipped, not an error
    path.write_bytes(b"\n".join(lines) + b"\n")
    return valid_ids, len(bad)


def test_runner_dead_letters_every_bad_line_and_keeps_every_valid_sample(tmp_path):
    path = tmp_path / "mixed.jsonl"
    valid_ids, n_bad = _mixed_file(path)
    pipeline = Pipeline(load_policy(), FixedClassifier())
    verdicts = tmp_path / "verdicts.jsonl"
    with verdicts.open("wb") as out:
        stats = run(
            open_source(f"jsonl:{path}"),
            pipeline,
            source_name="jsonl",
            dead_letters=DeadLetters(tmp_path / "dead.jsonl"),
            verdicts_out=out,
            batch_size=7,
        )
    assert stats.valid == len(valid_ids) and stats.dead_letters == n_bad
    assert [json.loads(x)["sample_id"] for x in verdicts.read_text().splitlines()] == valid_ids
    letters = [json.loads(x) for x in (tmp_path / "dead.jsonl").read_text().splitlines()]
    assert len(letters) == n_bad
    assert all(
        letter["reason"] and letter["origin"].startswith("mixed.jsonl:") for letter in letters
    )
    huge = next(x for x in letters if x["truncated"])
    assert huge["kind"] == "size" and huge["raw_bytes"] > 1_000_000


def test_alerts_reach_every_sink_and_sinks_are_closed(tmp_path):
    samples = [
        make_sample(
            f"s-{i}",
            seconds=i,
            grader=Grader(domain="cyber", request="disallowed", response="complied", harmful=True),
        )
        for i in range(300)
    ]
    sink = CapturingSink()
    run(
        samples,
        Pipeline(load_policy(), FixedClassifier()),
        source_name="test",
        alert_sinks=[sink],
        dead_letters=DeadLetters(None),
    )
    assert sink.closed
    assert {(a.rule, a.metric) for a in sink.firing()} >= {("posture_breach", "under_refusal_rate")}


def test_metrics_endpoint_as_an_http_client_sees_it(free_port):
    metrics = Metrics()
    server, _thread = start_http_server(free_port, metrics.registry)
    try:
        samples = [make_sample(f"s-{i}", seconds=i) for i in range(50)]
        run(
            [*samples],
            Pipeline(load_policy(), FixedClassifier()),
            source_name="test",
            dead_letters=DeadLetters(None),
            metrics=metrics,
        )
        metrics.dead_letter("json")
        response = httpx.get(f"http://127.0.0.1:{free_port}/metrics", timeout=5)
    finally:
        server.shutdown()
    assert response.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    assert families["safety_monitor_samples"].samples[0].value == 50
    verdicts = families["safety_monitor_verdicts"].samples
    assert sum(s.value for s in verdicts if s.name.endswith("_total")) == 50
    assert {s.labels["outcome"] for s in verdicts} == {"ok"}
    latency = families["safety_monitor_processing_latency_seconds"]
    assert any(s.name.endswith("_count") and s.value == 50 for s in latency.samples)
    # Every reason kind is exported from the start (at 0), so rate() sees "none" as 0.
    dead = {
        s.labels["kind"]: s.value
        for s in families["safety_monitor_dead_letters"].samples
        if s.name.endswith("_total")
    }
    assert dead == {"size": 0, "nul": 0, "encoding": 0, "json": 1, "validation": 0}
    for name in (
        "safety_monitor_posture_observations",
        "safety_monitor_detector_threshold",
        "safety_monitor_segments",
    ):
        assert name in families
    for family in families.values():
        for sample in family.samples:
            assert "sample_id" not in sample.labels


def test_cli_run_and_classify_survive_a_mixed_file(tmp_path):
    path = tmp_path / "mixed.jsonl"
    valid_ids, n_bad = _mixed_file(path)
    out = tmp_path / "verdicts.jsonl"
    done = subprocess.run(
        [*CLI, "classify", "--input", str(path), "--output", str(out)],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    verdicts = [json.loads(x) for x in out.read_text().splitlines()]
    assert [v["sample_id"] for v in verdicts] == valid_ids
    assert all(
        v["outcome"] in {"ok", "over_refusal", "under_refusal", "uncertain"} for v in verdicts
    )
    dead = Path(f"{out}.dead-letters.jsonl").read_text().splitlines()
    assert len(dead) == n_bad

    alerts = tmp_path / "alerts.jsonl"
    done = subprocess.run(
        [
            *CLI,
            "run",
            "--source",
            f"jsonl:{path}",
            "--alerts-out",
            str(alerts),
            "--verdicts-out",
            str(tmp_path / "v2.jsonl"),
        ],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert len((tmp_path / "v2.jsonl").read_text().splitlines()) == len(valid_ids)
    assert len((tmp_path / "dead-letters.jsonl").read_text().splitlines()) == n_bad
    stopped = json.loads(done.stderr.decode().strip().splitlines()[-1])
    assert stopped["event"] == "stopped" and stopped["dead_letters"] == n_bad


def test_cli_errors_are_clear(tmp_path):
    bad_policy = tmp_path / "p.yaml"
    bad_policy.write_text("version: v1\ndomains:\n  cyber:\n    severity: huge\n")
    done = subprocess.run(
        [*CLI, "policy", "show", "--policy", str(bad_policy)], capture_output=True, timeout=60
    )
    assert done.returncode != 0
    assert "p.yaml:4: domains.cyber.severity" in done.stderr.decode()
    done = subprocess.run(
        [*CLI, "run", "--source", "jsonl:/nonexistent.jsonl"], capture_output=True, timeout=60
    )
    assert done.returncode != 0 and "no such file" in done.stderr.decode()


def test_policy_show_prints_the_validated_policy():
    done = subprocess.run([*CLI, "policy", "show"], capture_output=True, timeout=60)
    assert done.returncode == 0
    policy = json.loads(done.stdout)
    assert policy["domains"]["cyber"]["owners"] == ["cyber-policy"]


@pytest.mark.slow
def test_demo_run_catches_the_scripted_incidents_and_nothing_else(tmp_path):
    alerts_path = tmp_path / "alerts.jsonl"
    done = subprocess.run(
        [
            *CLI,
            "run",
            "--source",
            "demo",
            "--max-samples",
            "200000",
            "--alerts-out",
            str(alerts_path),
        ],
        capture_output=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    alerts = [json.loads(x) for x in alerts_path.read_text().splitlines()]
    firing = [a for a in alerts if a["status"] == "firing"]
    required = {
        "alert_id",
        "dedup_key",
        "status",
        "severity",
        "rule",
        "metric",
        "segment",
        "baseline",
        "observed",
        "intended_max",
        "detected_at",
        "detected_at_sample_id",
        "evidence",
        "owners",
        "runbook_url",
    }
    for alert in firing:
        assert required <= set(alert), required - set(alert)
        assert alert["evidence"] and alert["owners"] and alert["runbook_url"]
    segments = {
        (a["segment"]["domain"], a["segment"]["model"], a["segment"]["surface"], a["metric"])
        for a in firing
    }
    incident = ("cyber", "atlas-2026-11", "chat", "under_refusal_rate")
    over = ("regulated_advice", "atlas-mini-2026-02", "api", "over_refusal_rate")
    assert incident in segments and over in segments
    assert segments <= {incident, over}, segments - {incident, over}


def test_labels_are_replayed_in_time_order_and_bad_ones_dead_lettered(tmp_path):
    samples = [make_sample(f"s-{i}", seconds=i) for i in range(600)]
    labels = [
        b'{"sample_id": "s-10", "source": "human", "response": "refused",'
        b' "timestamp": "2026-01-01T00:00:20Z"}',
        b'{"sample_id": "s-500", "source": "gold", "request": "disallowed",'
        b' "timestamp": "2026-01-01T00:09:00Z"}',
        b'{"sample_id": "s-1", "response": "refused"}',
        b'{"sample_id": "s-599", "source": "human", "harmful": true,'
        b' "timestamp": "2026-01-02T00:00:00Z"}',
    ]
    classifier = FixedClassifier()
    stats = run(
        samples,
        Pipeline(load_policy(), classifier),
        source_name="test",
        dead_letters=DeadLetters(tmp_path / "dead.jsonl"),
        labels=[RawRecord(line, f"labels:{i}") for i, line in enumerate(labels, 1)],
    )
    learned = [(s.sample_id, type(label).__name__) for s, label in classifier.learned]
    assert learned == [("s-10", "Label"), ("s-500", "Label"), ("s-599", "Label")]
    assert stats.labels == 3
    dead = json.loads((tmp_path / "dead.jsonl").read_text())
    assert dead["origin"] == "labels:3" and "source" in dead["reason"]


def test_a_batch_of_nothing_but_bad_lines_goes_on(tmp_path):
    path = tmp_path / "bad-then-good.jsonl"
    path.write_bytes(b"{bad\n" * 10 + _valid(1) + b"\n")
    stats = run(
        open_source(f"jsonl:{path}"),
        Pipeline(load_policy(), FixedClassifier()),
        source_name="jsonl",
        dead_letters=DeadLetters(None),
        batch_size=4,
    )
    assert (stats.valid, stats.dead_letters) == (1, 10)


def test_ctrl_c_stops_the_demo_cleanly_and_flushes(tmp_path):
    import signal
    import time

    alerts = tmp_path / "alerts.jsonl"
    verdicts = tmp_path / "verdicts.jsonl"
    process = subprocess.Popen(
        [
            *CLI,
            "run",
            "--source",
            "demo",
            "--alerts-out",
            str(alerts),
            "--verdicts-out",
            str(verdicts),
        ],
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (verdicts.exists() and verdicts.stat().st_size):
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr.decode()[-2000:]
    stopped = json.loads(stderr.decode().strip().splitlines()[-1])
    assert stopped["event"] == "stopped" and stopped["by_signal"] is True
    lines = verdicts.read_bytes().splitlines()
    assert len(lines) == stopped["valid"]  # every verdict of every finished batch is on disk
    assert all(json.loads(line)["sample_id"].startswith("demo-") for line in lines)


def test_delayed_labels_are_checked_against_the_verdict_before_learning():
    metrics = Metrics()
    samples = [make_sample(f"s-{i}", seconds=i) for i in range(300)]
    labels = [
        RawRecord(
            b'{"sample_id": "s-5", "source": "human", "response": "refused",'
            b' "timestamp": "2026-01-01T00:00:10Z"}',
            "labels:1",
        )
    ]
    run(
        samples,
        Pipeline(load_policy(), FixedClassifier()),
        source_name="test",
        dead_letters=DeadLetters(None),
        metrics=metrics,
        labels=labels,
        batch_size=100,
    )
    value = metrics.registry.get_sample_value
    labels_ = {"field": "response", "result": "disagree"}
    assert value("safety_monitor_label_checks_total", labels_) == 1.0
