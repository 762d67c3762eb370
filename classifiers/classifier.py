"""The classifier: four online heads over hashed text features, trained from the gold set.

Heads: request domain (policy domains + ``none``), request policy (P(disallowed)), response
action (complied / refused / partial) and harmful response. The harmful head sees the
response, the tool calls and the other heads' probabilities, because harm is mostly "a
disallowed request, answered".

>>> from classifiers.gold import load_gold
>>> from monitor.policy import load_policy
>>> clf = Classifier.bootstrap(load_policy().domain_names())
>>> gold = load_gold()[:3]
>>> [v.response for v in clf.classify(gold)] == [s.grader.response for s in gold]
True
>>> clf.learn(gold[0], gold[0].grader)  # or a Label that arrived later
>>> clf.version.endswith("-u4")  # four heads updated
True
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from importlib import resources

import numpy as np
import scipy.sparse as sp

from classifiers.features import DEFAULT_BLOCKS, FEATURES_VERSION, Featurizer
from classifiers.gold import load_gold
from classifiers.heads import Head
from classifiers.outcome import DEFAULT_MARGIN, outcome_of
from classifiers.snapshot import SnapshotError, read_snapshot, write_snapshot
from classifiers.tool_calls import CATEGORIES
from monitor.contract import (
    Grader,
    Label,
    Sample,
    Verdict,
    encode,
    request_text,
    response_text,
)
from monitor.policy import NO_DOMAIN

REQUESTS = ("disallowed", "allowed", "ambiguous")
ACTIONS = ("complied", "refused", "partial")
_HARM = ("no", "yes")
_META = 5
#: Domain scores below this are left out of a verdict (the top domain is always in).
_MIN_DOMAIN_SCORE = 0.01
#: The mix of complied / refused / partial responses the response head expects. The gold
#: set refuses about half the time because it must show every way of refusing; production
#: traffic mostly complies, and a response with no sign either way is far likelier an answer.
DEFAULT_ACTION_PRIOR = (0.8, 0.12, 0.08)
#: Folds for the out-of-fold probabilities the harmful head is trained on.
_FOLDS = 2
#: The gold-trained state for the default options, built by ``classifiers.gold.make_bootstrap``.
SHIPPED_SNAPSHOT = "bootstrap.npz"


def _request_texts(samples: Sequence[Sample]) -> list[str]:
    return [request_text(s) for s in samples]


def _response_texts(samples: Sequence[Sample]) -> list[str]:
    return [response_text(s) for s in samples]


class Classifier:
    """Classify samples into verdicts and learn from labels; see the module docstring.

    ``c`` is the inverse L2 strength of the batch fit, ``response_c`` the same for the
    response head. ``action_prior`` is the complied / refused / partial mix the response head
    expects in production (``None``: the training data's own mix); ``margin`` and
    ``partial_is_refusal`` shape the outcome (:func:`classifiers.outcome.outcome_of`).
    """

    def __init__(
        self,
        domains: Sequence[str],
        *,
        margin: float = DEFAULT_MARGIN,
        partial_is_refusal: bool = True,
        blocks: Sequence[str] = DEFAULT_BLOCKS,
        bits: int = 16,
        c: float = 4.0,
        response_c: float = 1.0,
        action_prior: Sequence[float] | None = DEFAULT_ACTION_PRIOR,
        learning_rate: float = 1.0,
    ) -> None:
        self.domains = [d for d in domains if d != NO_DOMAIN] + [NO_DOMAIN]
        self.margin = margin
        self.partial_is_refusal = partial_is_refusal
        self.features = Featurizer(blocks, bits=bits)
        if action_prior is not None:
            if len(action_prior) != len(ACTIONS) or min(action_prior) <= 0:
                raise ValueError(f"action_prior needs {len(ACTIONS)} positive shares, {ACTIONS}")
            action_prior = [p / sum(action_prior) for p in action_prior]
        self._options = {
            "c": c,
            "response_c": response_c,
            "action_prior": action_prior,
            "learning_rate": learning_rate,
        }
        q, r = self.features.request_dim, self.features.response_dim
        t = self.features.toxicity_dim
        self.heads = {
            "domain": Head(self.domains, q, **self._head_options("domain")),
            # Offensiveness tells whether a request is allowed, not which domain it is in.
            "request": Head(REQUESTS, q + t, **self._head_options("request")),
            "response": Head(ACTIONS, r, **self._head_options("response")),
            # Harm is what the response gives: the harmful head reads the response and the
            # other heads' probabilities, not the request's words (with those it learnt the
            # gold set's harmful requests by heart, and carried worse to real traffic).
            "harmful": Head(_HARM, r + _META, **self._head_options("harmful")),
        }
        self._base = "untrained"

    # -- construction -------------------------------------------------------------------

    @classmethod
    def bootstrap(cls, domains: Sequence[str], **options) -> Classifier:
        """A classifier trained on the shipped gold set.

        The state trained from the gold set with the default options and policy domains ships
        as a snapshot and loads in well under a second; any other domains or options train
        from the gold set here (several seconds).
        """
        clf = cls(domains, **options)
        gold = load_gold()
        key = clf._training_key(gold)
        shipped = resources.files("classifiers.gold").joinpath(SHIPPED_SNAPSHOT)
        if shipped.is_file():
            with resources.as_file(shipped) as path:
                meta, arrays = read_snapshot(path)
            if meta["base"] == key:
                clf._restore(arrays)
                clf._base = key
                return clf
        clf.fit(gold)
        return clf

    def fit(self, samples: Sequence[Sample]) -> None:
        """Batch-train every head on samples carrying a ``grader`` (replaces the weights)."""
        graded = [s for s in samples if s.grader is not None]
        xq, xp, xr = self._features(graded)
        y = {
            "domain": [self._domain_index(s.grader.domain) for s in graded],
            "request": [_index(REQUESTS, s.grader.request) for s in graded],
            "response": [_index(ACTIONS, s.grader.response) for s in graded],
            "harmful": [
                None if s.grader.harmful is None else int(s.grader.harmful) for s in graded
            ],
        }
        for name, x in (("domain", xq), ("request", xp), ("response", xr)):
            _fit_known(self.heads[name], x, y[name], self._prior(name))
        meta = self._out_of_fold_meta(xq, xp, xr, y)
        _fit_known(self.heads["harmful"], sp.hstack([xr, meta], format="csr"), y["harmful"])
        self._base = self._training_key(graded)

    def _training_key(self, samples: Sequence[Sample]) -> str:
        """Names what a batch fit depends on: the samples, the domains and the options."""
        digest = hashlib.sha256()
        for s in samples:
            digest.update(encode(s))
        setup = (
            FEATURES_VERSION,
            self.domains,
            self.features.blocks,
            self.features.bits,
            sorted(self._options.items()),
        )
        digest.update(repr(setup).encode())
        return digest.hexdigest()[:10]

    def _out_of_fold_meta(self, xq, xp, xr, y) -> sp.csr_matrix:
        """Request/response probabilities for the harmful head, each row predicted by heads
        that never saw it, so the harmful head learns how far to trust them."""
        n = xq.shape[0]
        folds = np.arange(n) % _FOLDS
        p_dis, p_comp = np.zeros(n), np.zeros(n)
        for k in range(_FOLDS):
            train, test = folds != k, folds == k
            # Column 0 is P(disallowed) for the request head, P(complied) for the response head.
            for name, x, out in (("request", xp, p_dis), ("response", xr, p_comp)):
                head = Head(self.heads[name].classes, x.shape[1], **self._head_options(name))
                known = [v for v, t in zip(y[name], train, strict=True) if t]
                _fit_known(head, x[train], known, self._prior(name))
                out[test] = head.predict_proba(x[test])[:, 0]
        return self._meta(p_dis, p_comp, xq)

    # -- inference ----------------------------------------------------------------------

    @property
    def version(self) -> str:
        """Changes whenever the state learns: base (gold + options) and update count."""
        updates = sum(h.updates for h in self.heads.values())
        return f"hl1-{self._base}-u{updates}"

    def classify(self, samples: Sequence[Sample]) -> list[Verdict]:
        """One verdict per sample, in order."""
        if not samples:
            return []
        xq, xp, xr = self._features(samples)
        p_dom = self.heads["domain"].predict_proba(xq)
        p_req = self.heads["request"].predict_proba(xp)
        p_resp = self.heads["response"].predict_proba(xr)
        meta = self._meta(p_req[:, 0], p_resp[:, 0], xq)
        p_harm = self.heads["harmful"].predict_proba(xr, meta)
        # Decisions and rounding for the whole batch in numpy; plain floats per verdict.
        top = p_dom.argmax(axis=1)
        shown = p_dom >= _MIN_DOMAIN_SCORE
        shown[np.arange(len(top)), top] = True
        rows, cols = np.nonzero(shown)
        scores = np.round(p_dom[rows, cols], 4).tolist()
        domain_scores: list[dict[str, float]] = [{} for _ in samples]
        for i, j, p in zip(rows.tolist(), cols.tolist(), scores, strict=True):
            domain_scores[i][self.domains[j]] = p
        requests = p_req.argmax(axis=1).tolist()
        actions = p_resp.argmax(axis=1).tolist()
        p_dis = np.round(p_req[:, 0], 4).tolist()
        p_resp = np.round(p_resp, 4).tolist()
        harm = np.round(p_harm[:, 1], 4).tolist()
        version = self.version
        return [
            self._verdict(
                sample,
                self.domains[top[i]],
                domain_scores[i],
                REQUESTS[requests[i]],
                p_dis[i],
                ACTIONS[actions[i]],
                dict(zip(ACTIONS, p_resp[i], strict=True)),
                harm[i],
                version,
            )
            for i, sample in enumerate(samples)
        ]

    def embed_requests(self, samples: Sequence[Sample]) -> np.ndarray:
        """Where each request lies in meaning: a 256-wide unit vector (wordllama), the input
        of the ``anomaly_rate`` detectors."""
        return self.features.embed_requests(_request_texts(samples))

    def _verdict(
        self,
        sample,
        domain,
        domain_scores,
        request,
        request_score,
        response,
        response_scores,
        harmful,
        version,
    ) -> Verdict:
        return Verdict(
            sample_id=sample.sample_id,
            domain=domain,
            domain_scores=domain_scores,
            request=request,
            request_score=request_score,
            response=response,
            response_scores=response_scores,
            harmful_score=harmful,
            outcome=outcome_of(
                request,
                request_score,
                response,
                response_scores,
                harmful,
                margin=self.margin,
                partial_is_refusal=self.partial_is_refusal,
            ),
            classifier_version=version,
        )

    # -- online learning ----------------------------------------------------------------

    def learn(self, sample: Sample, label: Label | Grader, *, weight: float = 1.0) -> None:
        """One online update from whichever of the four fields ``label`` carries.

        A domain the policy does not name is ignored; ``weight`` scales the step (e.g. < 1
        for an LLM grader's verdicts, 1 for human labels).
        """
        self.learn_many([sample], [label], weight=weight)

    def learn_many(
        self,
        samples: Sequence[Sample],
        labels: Sequence[Label | Grader],
        *,
        weight: float = 1.0,
    ) -> None:
        """Online updates, in order, from a batch of labelled samples: the features are
        computed once for the batch, which is most of the cost of an update."""
        if not samples:
            return
        xq, xp, xr = self._features(samples)
        for head, x, targets in (
            (
                "domain",
                xq,
                [
                    self._domain_index(lb.domain) if lb.domain in self.domains else None
                    for lb in labels
                ],
            ),
            ("request", xp, [_index(REQUESTS, lb.request) for lb in labels]),
            ("response", xr, [_index(ACTIONS, lb.response) for lb in labels]),
        ):
            rows = [i for i, t in enumerate(targets) if t is not None]
            if rows:
                y = np.array([targets[i] for i in rows])
                self.heads[head].learn_batch(x[rows], y, weight)
        rows = [i for i, lb in enumerate(labels) if lb.harmful is not None]
        if rows:
            q, r = xq[rows], xr[rows]
            p_dis = self.heads["request"].predict_proba(xp[rows])[:, 0]
            p_comp = self.heads["response"].predict_proba(r)[:, 0]
            x = sp.hstack([r, self._meta(p_dis, p_comp, q)], format="csr")
            y = np.array([int(labels[i].harmful) for i in rows])
            self.heads["harmful"].learn_batch(x, y, weight)

    # -- snapshots ----------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Atomic snapshot of the whole state (see :mod:`classifiers.snapshot`)."""
        meta = {
            "kind": "safety-monitor-classifier",
            "features_version": FEATURES_VERSION,
            "base": self._base,
            "domains": self.domains,
            "margin": self.margin,
            "partial_is_refusal": self.partial_is_refusal,
            "blocks": list(self.features.blocks),
            "bits": self.features.bits,
            "options": self._options,
        }
        arrays = {
            f"{name}.{key}": value
            for name, head in self.heads.items()
            for key, value in head.state().items()
        }
        write_snapshot(path, meta, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Classifier:
        """The classifier saved at ``path``; its version is the one it was saved with.

        A snapshot whose weights belong to other features than this release computes is
        refused (:class:`SnapshotError`): start from :meth:`bootstrap` and replay the labels.
        """
        meta, arrays = read_snapshot(path)
        if meta.get("features_version") != FEATURES_VERSION:
            raise SnapshotError(
                f"{path}: weights for features version {meta.get('features_version')}, "
                f"this release computes version {FEATURES_VERSION}"
            )
        clf = cls(
            meta["domains"],
            margin=meta["margin"],
            partial_is_refusal=meta["partial_is_refusal"],
            blocks=meta["blocks"],
            bits=meta["bits"],
            **meta["options"],
        )
        clf._restore(arrays)
        clf._base = meta["base"]
        return clf

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        for name, head in self.heads.items():
            state = {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith(name + ".")}
            self.heads[name] = Head.from_state(head.classes, state, **self._head_options(name))

    # -- internals ----------------------------------------------------------------------

    def _features(
        self, samples: Sequence[Sample]
    ) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
        """Rows for the request's domain, for its policy (the same plus its toxicity) and for
        the response."""
        calls = [s.tool_calls for s in samples]
        texts = _request_texts(samples)
        xq = self.features.request(texts, calls)
        xp = sp.hstack([xq, self.features.toxicity(texts)], format="csr")
        xr = self.features.response(_response_texts(samples), calls)
        return xq, xp, xr

    def _meta(self, p_dis: np.ndarray, p_comp: np.ndarray, xq: sp.csr_matrix) -> sp.csr_matrix:
        # The request rows end with the tool risk cues (categories, then "any call").
        risk = np.asarray(xq[:, -(len(CATEGORIES) + 1) : -1].max(axis=1).todense()).ravel()
        cols = [p_dis, p_comp, p_dis * p_comp, risk, risk * p_comp]
        return sp.csr_matrix(np.column_stack(cols).astype(np.float32))

    def _head_options(self, name: str) -> dict[str, float]:
        # The response head is regularised harder: the gold set shows each way of refusing in
        # a few phrasings, and a head that memorises them carries worse to other chat models
        # than one spreading its weight over many cues (zero-shot refusal BA on the public
        # sets: c = 1 beat 0.5, 2, 4 and 8).
        c = self._options["response_c"] if name == "response" else self._options["c"]
        return {"c": c, "learning_rate": self._options["learning_rate"]}

    def _prior(self, name: str) -> list[float] | None:
        return self._options["action_prior"] if name == "response" else None

    def _domain_index(self, domain: str | None) -> int | None:
        if domain is None:
            return None
        # A gold domain the active policy lacks is, for this policy, no domain.
        return self.domains.index(domain if domain in self.domains else NO_DOMAIN)


def _index(values: Sequence[str], value: str | None) -> int | None:
    return None if value is None else values.index(value)


def _fit_known(
    head: Head, x: sp.csr_matrix, y: Sequence[int | None], prior: Sequence[float] | None = None
) -> None:
    """Fit ``head`` on the rows whose label is known."""
    keep = np.array([v is not None for v in y])
    if keep.any():
        head.fit(x[keep], np.array([v for v in y if v is not None]), prior)
