"""The Faust app of ``bench.faust_probe``: a ``group_by`` repartition and nothing else."""

import os

import faust

app = faust.App(
    "probe",
    broker=f"kafka://{os.environ['BS']}",
    broker_session_timeout=2,  # Tansu holds JoinGroup for half the session (FIELD-NOTES)
    broker_heartbeat_interval=0.5,
    topic_partitions=4,
    store="memory://",
    datadir=os.environ.get("PROBE_DATADIR", "/tmp/faust-probe-data"),  # not in the repo
)
source = app.topic(
    "probe-src",
    key_type=bytes,
    value_type=bytes,
    key_serializer="raw",
    value_serializer="raw",
    partitions=4,
)


@app.agent(source)
async def regroup(stream):
    async for _ in stream.group_by(lambda v: v[:3], name="byk"):
        pass
