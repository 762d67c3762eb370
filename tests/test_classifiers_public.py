"""Zero-shot checks on the public human-labelled sets (skipped when ../shared is absent).

The shipped classifier never trains on these sets; the floors sit a little under what
``bench/eval_classifiers.py`` prints, to catch regressions, not to tune against.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sklearn.metrics import balanced_accuracy_score

from classifiers import Classifier
from monitor.contract import Message, Sample
from monitor.policy import load_policy

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"public datasets not found at {DATA}"),
]


def test_xstest_refusal_detection_zero_shot():
    import datetime as dt

    t0 = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    samples, refused = [], []
    for path in sorted((DATA / "xstest" / "model_completions").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["final_label"] == "3_partial_refusal":
                    continue
                messages = [Message("user", row["prompt"]), Message("assistant", row["completion"])]
                samples.append(Sample(f"{path.stem}-{row['id']}", t0, "m", messages))
                refused.append(row["final_label"] == "2_full_refusal")
    clf = Classifier.bootstrap(load_policy().domain_names())
    predicted = [v.response_scores["complied"] < 0.5 for v in clf.classify(samples)]
    assert balanced_accuracy_score(refused, predicted) >= 0.91


def test_chatgpt_refusals_zero_shot():
    import datetime as dt
    import json

    t0 = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    rows = json.loads((DATA / "chatgpt-refusals" / "data" / "all_hand_labeled.json").read_text())
    rows = [r for r in rows if r["tone"] in ("complied", "rejected")]
    samples = [
        Sample(
            f"cr-{i}", t0, "m", [Message("user", r["prompt"]), Message("assistant", r["response"])]
        )
        for i, r in enumerate(rows)
    ]
    clf = Classifier.bootstrap(load_policy().domain_names())
    predicted = [v.response_scores["complied"] < 0.5 for v in clf.classify(samples)]
    assert balanced_accuracy_score([r["tone"] == "rejected" for r in rows], predicted) >= 0.88


def test_no_public_prompt_is_in_the_gold_set():
    # The public sets measure the classifier; a prompt of theirs in the gold set would be
    # training on the test (and copying their text into the repo).
    import gzip
    import json
    import re

    from classifiers.gold import load_gold
    from monitor.contract import request_text

    def norm(text: str) -> str:
        return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()

    with (DATA / "xstest" / "xstest_prompts.csv").open(newline="", encoding="utf-8") as fh:
        public = {norm(row["prompt"]) for row in csv.DictReader(fh)}
    rows = json.loads((DATA / "chatgpt-refusals" / "data" / "all_hand_labeled.json").read_text())
    public |= {norm(r["prompt"]) for r in rows}
    with gzip.open(DATA / "openai-moderation" / "data" / "samples-1680.jsonl.gz", "rt") as fh:
        public |= {norm(json.loads(line)["prompt"]) for line in fh}
    assert not [request_text(s) for s in load_gold() if norm(request_text(s)) in public]
