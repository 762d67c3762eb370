"""Kubernetes manifests in deploy/k8s: valid against the API schemas (PyPI
kubernetes-validate, strict), and consistent with each other and with the monitor."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from monitor.policy import load_policy

REPO = Path(__file__).resolve().parents[1]
K8S = REPO / "deploy" / "k8s"
#: Custom resources the validator has no schema for (it warns and passes them).
CRDS = {"PodMonitor"}


def _docs() -> dict[str, dict]:
    docs = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            docs[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return docs


def test_manifests_validate_strictly():
    binary = Path(sys.executable).with_name("kubernetes-validate")
    if not binary.exists():
        found = shutil.which("kubernetes-validate")
        if found is None:
            pytest.skip("kubernetes-validate not installed (pip install kubernetes-validate)")
        binary = Path(found)
    for version in ("1.29.0", "1.37.0"):
        result = subprocess.run(
            [str(binary), "--strict", "-k", version, *map(str, sorted(K8S.glob("*.yaml")))],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        out = result.stdout + result.stderr
        for line in out.splitlines():
            if line.startswith(("WARN", "ERROR")):
                assert any(f"kind {crd} " in line for crd in CRDS), line


def test_worker_deployment_is_hardened_and_probed():
    deployment = _docs()["Deployment/safety-monitor-worker"]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001  # the Dockerfile's uid
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert set(container["resources"]["limits"]) == {"cpu", "memory"}
    assert set(container["resources"]["requests"]) == {"cpu", "memory"}
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(container["ports"][0]["containerPort"])
    assert "--metrics-port=9108" in container["args"]
    secret_refs = [e["secretRef"] for e in container["envFrom"] if "secretRef" in e]
    assert secret_refs == [{"name": "safety-monitor-receivers", "optional": True}]


def test_references_resolve():
    docs = _docs()
    deployment = docs["Deployment/safety-monitor-worker"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    pod = deployment["spec"]["template"]["spec"]
    for volume in pod["volumes"]:
        if "configMap" in volume:
            assert f"ConfigMap/{volume['configMap']['name']}" in docs
    for source in pod["containers"][0]["envFrom"]:
        if "configMapRef" in source:
            assert f"ConfigMap/{source['configMapRef']['name']}" in docs
    for selector in (
        docs["Service/safety-monitor-worker"]["spec"]["selector"],
        docs["PodMonitor/safety-monitor-worker"]["spec"]["selector"]["matchLabels"],
        docs["PodDisruptionBudget/safety-monitor-worker"]["spec"]["selector"]["matchLabels"],
    ):
        assert selector.items() <= labels.items()
    port_names = {p["name"] for p in pod["containers"][0]["ports"]}
    assert (
        docs["PodMonitor/safety-monitor-worker"]["spec"]["podMetricsEndpoints"][0]["port"]
        in port_names
    )
    namespaces = {d["metadata"].get("namespace") for d in docs.values()} - {None}
    assert namespaces == {docs["Namespace/safety-monitor"]["metadata"]["name"]}


def test_policy_configmap_is_a_valid_policy(tmp_path):
    text = _docs()["ConfigMap/safety-monitor-policy"]["data"]["policy.yaml"]
    shipped = (REPO / "monitor" / "default_policy.yaml").read_text()
    assert text == shipped, "configmap-policy.yaml drifted from monitor/default_policy.yaml"
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    assert load_policy(path).version
