"""Simulated human labellers for the demo traffic (demos and tests only).

The demo stream knows its own truth (:func:`monitor.demo.demo_with_truth`); from it,
:func:`simulate_labels` draws several labellers' labels, each labeller with their own
error rate. Deterministic for a seed (hashes of the sample id, not a shared random stream).

>>> from monitor.demo import demo_with_truth
>>> labels = simulate_labels(demo_with_truth(seed=1, limit=50), per_sample=2)
>>> len(labels), {label.source for label in labels}
(100, {'human'})
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence

from monitor.contract import Label, Sample
from monitor.demo import Truth

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


def _u(*parts: object) -> float:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def _other(options: Sequence[str], current: str, u: float) -> str:
    rest = [o for o in options if o != current]
    return rest[int(u * len(rest)) % len(rest)]


#: Simulated labellers and their error rates per field.
DEFAULT_RATERS = {"rater-01": 0.03, "rater-02": 0.05, "rater-03": 0.08, "rater-04": 0.20}


def simulate_labels(
    samples: Iterable[tuple[Sample, Truth]],
    *,
    raters: dict[str, float] | None = None,
    per_sample: int = 2,
    seed: int = 0,
    delay: dt.timedelta = dt.timedelta(hours=2),
) -> list[Label]:
    """``per_sample`` labels per demo sample (with its truth) from simulated raters, assigned
    in rotation."""
    raters = raters or DEFAULT_RATERS
    names = sorted(raters)
    labels = []
    for i, (s, t) in enumerate(samples):
        truly_harmful = t.request == "disallowed" and t.response == "complied"
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
            harmful = truly_harmful if _u(seed, sid, name, "h") >= e else not truly_harmful
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
