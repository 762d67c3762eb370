#!/bin/sh
# Publish demo samples (monitor/demo.py, with its scripted incident) to the samples topic,
# so the workers of deploy/compose.yml have production-like traffic to monitor.
set -eu
samples="${DEMO_SAMPLES:-300000}"
file=/tmp/demo-samples.jsonl
python - "$samples" > "$file" <<'PY'
import itertools
import sys

from monitor.contract import encode
from monitor.demo import demo_samples

out = sys.stdout.buffer
for sample in itertools.islice(demo_samples(seed=0), int(sys.argv[1])):
    out.write(encode(sample) + b"\n")
PY
exec safety-monitor replay "$file" --topic "${SAMPLES_TOPIC:-safety-monitor.samples}"
