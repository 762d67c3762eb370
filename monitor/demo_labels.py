"""Simulated ground truth, classifiers and labellers for the demo traffic (demos and tests only).

The demo stream (:mod:`monitor.demo`) is built from templates, so its truth is known: the
request template says the domain and whether it is disallowed, the response template says
whether the model complied, refused or partly refused. This module recovers that truth from
a sample's text, and simulates from it:

* :func:`noisy_verdicts`: a stand-in classifier that errs at known rates (for reports and
  tests that need verdicts without the trained classifiers);
* :func:`simulate_labels`: several human labellers, each with their own error rate.

Deterministic for a seed (hashes of the sample id, not a shared random stream).

>>> from itertools import islice
>>> from monitor.demo import demo_samples
>>> truth = [demo_truth(s) for s in islice(demo_samples(seed=1), 200)]
>>> all(t is not None for t in truth)
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from monitor import demo
from monitor.contract import Label, Sample, Verdict, request_text, response_text

DOMAINS_ALL = (
    "cyber",
    "cbrn",
    "weapons",
    "self_harm",
    "illicit",
    "privacy",
    "hate",
    "regulated_advice",
    "agentic",
    "none",
)


@dataclass(frozen=True, slots=True)
class Truth:
    domain: str
    request: str
    response: str
    harmful: bool


def _pattern(templates: Iterable[str]) -> re.Pattern[str]:
    def one(template: str) -> str:
        parts = re.split(r"\{(\w+)\}", template)
        out = []
        for i, part in enumerate(parts):
            if i % 2:
                out.append("(?:" + "|".join(re.escape(v) for v in demo._SLOTS[part]) + ")")
            else:
                out.append(re.escape(part))
        return "".join(out)

    return re.compile("|".join(f"(?:{one(t)})" for t in templates), re.S)


_REQUESTS: list[tuple[str, str, re.Pattern[str]]] = (
    [(d, "disallowed", _pattern(ts)) for d, ts in demo._DISALLOWED.items()]
    + [(d, "allowed", _pattern(ts)) for d, ts in demo._ALLOWED.items()]
    + [("none", "allowed", _pattern(demo._BENIGN))]
    + [
        ("agentic", policy, _pattern([text]))
        for policy, text, _ in demo._AGENT_TASKS  # type: ignore[misc]
    ]
)
_RESPONSES = [
    ("refused", _pattern(demo._REFUSALS)),
    ("partial", _pattern(demo._SELF_HARM_REFUSALS + demo._PARTIALS)),
    ("complied", _pattern(demo._COMPLY_HARMFUL + demo._COMPLY_BENIGN + demo._AGENT_DONE)),
]


def demo_truth(sample: Sample) -> Truth | None:
    """The true labels of a demo sample (None if it is not from the demo templates)."""
    request, response = request_text(sample), response_text(sample)
    found = next(((d, p) for d, p, rx in _REQUESTS if rx.fullmatch(request)), None)
    action = next((a for a, rx in _RESPONSES if rx.fullmatch(response)), None)
    if found is None or action is None:
        return None
    domain, policy = found
    return Truth(domain, policy, action, policy == "disallowed" and action == "complied")


def outcome(request: str, response: str, harmful: bool) -> str:
    """The outcome a correct verdict has for these labels (contract section 3)."""
    if request == "disallowed" and (response == "complied" or harmful):
        return "under_refusal"
    if request == "allowed" and response == "refused":
        return "over_refusal"
    return "ok"


def _u(*parts: object) -> float:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def _other(options: Sequence[str], current: str, u: float) -> str:
    rest = [o for o in options if o != current]
    return rest[int(u * len(rest)) % len(rest)]


def noisy_verdicts(
    samples: Iterable[Sample],
    *,
    error: float = 0.03,
    false_disallowed: float = 0.002,
    uncertain: float = 0.02,
    seed: int = 0,
    version: str = "demo-noisy-oracle",
) -> list[Verdict]:
    """Verdicts that are the truth with errors (a stand-in for the classifiers).

    Domain and response are wrong at rate ``error``; a disallowed request is called allowed
    at rate ``error`` and an allowed one disallowed at ``false_disallowed`` (allowed traffic
    is most of the stream, so even a small rate there floods the under-refusal rates).
    """
    out = []
    for s in samples:
        t = demo_truth(s) or Truth("none", "allowed", "complied", False)
        sid = s.sample_id
        domain = t.domain if _u(seed, sid, "d") >= error else _other(DOMAINS_ALL, t.domain, _u(sid))
        request = t.request
        flip = error if request == "disallowed" else false_disallowed
        if _u(seed, sid, "q") < flip:
            request = "allowed" if request == "disallowed" else "disallowed"
        response = t.response
        if _u(seed, sid, "r") < error:
            response = _other(("complied", "refused", "partial"), response, _u(seed, sid, "r2"))
        harmful = request == "disallowed" and response == "complied"
        result = outcome(request, response, harmful)
        if _u(seed, sid, "u") < uncertain:
            result = "uncertain"
        p_dis = 0.9 if request == "disallowed" else 0.1
        out.append(
            Verdict(
                sample_id=sid,
                domain=domain,
                domain_scores={domain: 0.9},
                request=request,  # type: ignore[arg-type]
                request_score=p_dis,
                response=response,  # type: ignore[arg-type]
                response_scores={
                    a: 0.9 if a == response else 0.05 for a in ("complied", "refused", "partial")
                },
                harmful_score=0.9 if harmful else 0.05,
                outcome=result,  # type: ignore[arg-type]
                classifier_version=version,
            )
        )
    return out


#: Simulated labellers and their error rates per field.
DEFAULT_RATERS = {"rater-01": 0.03, "rater-02": 0.05, "rater-03": 0.08, "rater-04": 0.20}


def simulate_labels(
    samples: Iterable[Sample],
    *,
    raters: dict[str, float] | None = None,
    per_sample: int = 2,
    seed: int = 0,
    delay: dt.timedelta = dt.timedelta(hours=2),
) -> list[Label]:
    """``per_sample`` labels per demo sample from simulated raters (rotating assignment)."""
    raters = raters or DEFAULT_RATERS
    names = sorted(raters)
    labels = []
    for i, s in enumerate(samples):
        t = demo_truth(s)
        if t is None:
            continue
        start = int(_u(seed, s.sample_id, "who") * len(names))
        for j in range(per_sample):
            name = names[(start + j) % len(names)]
            e = raters[name]
            sid = s.sample_id
            domain = (
                t.domain
                if _u(seed, sid, name, "d") >= e
                else _other(DOMAINS_ALL, t.domain, _u(seed, sid, name, "d2"))
            )
            request = t.request
            if _u(seed, sid, name, "q") < e:
                request = _other(
                    ("allowed", "disallowed", "ambiguous"), request, _u(seed, sid, name, "q2")
                )
            response = t.response
            if _u(seed, sid, name, "r") < e:
                response = _other(
                    ("complied", "refused", "partial"), response, _u(seed, sid, name, "r2")
                )
            harmful = t.harmful if _u(seed, sid, name, "h") >= e else not t.harmful
            labels.append(
                Label(
                    sample_id=sid,
                    source="human",
                    domain=domain,
                    request=request,  # type: ignore[arg-type]
                    response=response,  # type: ignore[arg-type]
                    harmful=harmful,
                    labeler=name,
                    timestamp=s.timestamp + delay + dt.timedelta(seconds=i),
                )
            )
    return labels
