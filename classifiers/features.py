"""Text features: hashed word and character n-grams, refusal cues, embeddings, offensiveness.

Hashing needs no vocabulary, so features are stable while the heads learn online and a
snapshot only stores weights. Request and response get separate feature spaces.

>>> f = Featurizer()
>>> x = f.response(["I'm sorry, but I can't help with that."])
>>> x.shape[0], x.shape[1] == f.response_dim
(1, True)
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Sequence
from functools import cache

import ahocorasick
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from classifiers.request_intent import N_INTENT_CUES, intent_cues
from classifiers.tool_calls import risk_cues, tool_call_text
from monitor.contract import ToolCall

#: Bumped whenever a feature's definition changes: trained weights only fit their version.
FEATURES_VERSION = 11
#: Feature blocks a :class:`Featurizer` can use; ``embed*`` need the ``wordllama`` package,
#: ``toxicity`` the ``alt-profanity-check`` package.
BLOCKS = ("words", "opening", "chars", "cues", "intent", "embed", "embed_response", "toxicity")
#: What pays (``bench/eval_classifiers.py`` ablation): words, opening and cues carry refusal
#: detection; the request embedding and intent cues buy request-side recall and ranking
#: (SimpleSafetyTests recall, XSTest unsafe-prompt and moderation AUPRC), and the request's
#: offensiveness most of the moderation AUPRC. Character n-grams and the response embedding
#: add little for a large share of the throughput: opt in with ``blocks=``.
DEFAULT_BLOCKS = ("words", "opening", "cues", "intent", "embed", "toxicity")

# Refusals show in the opening and the close; the middle of a long answer adds little
# and costs time, so texts are clipped to head + tail.
_HEAD, _TAIL = 280, 100
# A request's meaning is spread over all of it: keep more of it.
_REQUEST_HEAD = 400
_CHAR_HEAD, _CHAR_TAIL = 200, 80

# The same cue groups in the languages production traffic most often comes in: the group
# features then carry what the English gold set taught them to a refusal in another
# language, where the word features see nothing they know.
_APOLOGY_OTHER_LANGUAGES = (
    "lo siento",  # es
    "lamentablemente",
    "désolé",  # fr (also matches désolée)
    "malheureusement",
    "es tut mir leid",  # de
    "desculpe",  # pt
    "infelizmente",
    "mi dispiace",  # it
    "purtroppo",
    "извините",  # ru
    "к сожалению",
    "抱歉",  # zh
    "对不起",
    "申し訳",  # ja
    "すみません",
    "죄송",  # ko
)
_CANNOT_OTHER_LANGUAGES = (
    "no puedo",  # es
    "no puedes",
    "je ne peux pas",  # fr
    "je ne suis pas en mesure",
    "ich kann nicht",  # de
    "kann ich nicht",
    "kann ich ihnen nicht",
    "kann ich dir nicht",
    "nicht helfen",
    "não posso",  # pt
    "não consigo",
    "non posso",  # it
    "non sono in grado",
    "не могу",  # ru
    "我不能",  # zh
    "无法",
    "不能帮",
    "できません",  # ja
    "할 수 없",  # ko
    "도와드릴 수 없",
)

# Refusal and compliance cues as plain substrings of the lower-cased text, easy to read and
# extend. Grouped cues, not single phrasings, are what carries a refusal detector from one
# chat model's style to another's.
_CUES: dict[str, tuple[str, ...]] = {
    "apology": ("sorry", "apolog", "unfortunately", "i'm afraid", *_APOLOGY_OTHER_LANGUAGES),
    "cannot": (
        "i can't",
        "i cannot",
        "i can not",
        "i won't",
        "i will not",
        "i'm unable",
        "i am unable",
        "i'm not able",
        "i am not able",
        "decline",
        "not comfortable",
        "i'm not going to",
        "i refuse",
        "unable to",
        "not able to",
        "i must refuse",
        "i can’t",
        "i won’t",
        "i wouldn't",
        "i would not",
        "not something i",
        "cannot provide",
        "can't provide",
        "cannot assist",
        "cannot fulfill",
        "not within my",
        "i'm not programmed",
        *_CANNOT_OTHER_LANGUAGES,
    ),
    "ai": ("as an ai", "language model", "just an ai", "i'm an ai", "as a responsible", "an ai "),
    "policy": (
        "guideline",
        "policy",
        "policies",
        "ethical",
        "illegal",
        "inappropriate",
        "not appropriate",
        "harmful",
        "against the law",
        "dangerous",
        "offensive",
        "respectful",
    ),
    "professional": (
        "professional",
        "doctor",
        "lawyer",
        "therapist",
        "hotline",
        "crisis",
        "emergency",
        "authorities",
        "counselor",
        "helpline",
        "seek help",
        "reach out",
    ),
    "pivot": ("instead", "however", "that said", "but i can", "in general", "alternative"),
    "answer_after": (
        "but here",
        "however, here",
        "here are",
        "here is",
        "here's",
        "but i can provide",
        "but i can share",
        "i can provide",
        "i can tell you",
        "i can give you",
        "i can share",
    ),
    "pushback": (
        "not accurate",
        "no evidence",
        "stereotype",
        "premise",
        "false",
        "misleading",
        "conspiracy",
        "untrue",
        "not true",
        "discriminat",
        "no scientific",
    ),
    "affirm": (
        "sure",
        "certainly",
        "of course",
        "absolutely",
        "here's",
        "here is",
        "great question",
        "yes",
        "okay",
        "happy to help",
        "glad to help",
        "good question",
    ),
    "structure": ("\n1.", "\n2.", "\n- ", "\n* ", "**", "##", "step 1", "first,", "finally,"),
    "redirect": (
        "i'd recommend",
        "i would recommend",
        "i recommend",
        "i'd suggest",
        "i would suggest",
        "i suggest",
        "consult",
        "i encourage",
        "i'd encourage",
        "i would encourage",
        "rather than",
        "it's important to",
        "it is important to",
        "it's crucial",
        "it is crucial",
        "i must emphasize",
        "i must stress",
    ),
    "judge": (
        "not right",
        "not justified",
        "not justifiable",
        "not morally",
        "not ethical",
        "never appropriate",
        "not acceptable",
        "was wrong",
        "were wrong",
        "is wrong",
        "condemn",
        "not something to",
    ),
    "negate": (
        "there is no reason",
        "there is no inherent",
        "there were no",
        "there is no justification",
        "not justified",
        "never justified",
        "never acceptable",
        "never okay",
        "never the answer",
        "not a good thing",
        "should not be",
        "should never",
        "no place",
    ),
    "define": (
        "refers to",
        "is defined as",
        "is a form of",
        "is the act of",
        "is a term",
        "is a type of",
        "is a serious",
        "is a highly",
        "is a crime",
        "the intentional",
        "definition",
    ),
    "code": ("```", "def ", "import ", "();", "</"),
    "you": ("you can", "you should", "you'll", "you will", "your "),
}
_OPENING, _CLOSING = 160, 160
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_N_CUES = 4 * len(_CUES) + 2
_SENTENCE_END = re.compile(r"[.!?:\n]\s")


def _cue_automaton() -> ahocorasick.Automaton:
    """Every cue of every group in one Aho-Corasick automaton: one pass over a text finds
    them all (a substring test per cue was most of the feature cost). A cue found maps to its
    length and the groups it belongs to ("here's" is both ``answer_after`` and ``affirm``)."""
    groups: dict[str, list[int]] = {}
    for j, words in enumerate(_CUES.values()):
        for w in words:
            groups.setdefault(w, []).append(j)
    automaton = ahocorasick.Automaton()
    for w, js in groups.items():
        automaton.add_word(w, (len(w), tuple(js)))
    automaton.make_automaton()
    return automaton


_CUE_AUTOMATON = _cue_automaton()


def _clip(text: str, head: int, tail: int) -> str:
    return text if len(text) <= head + tail else f"{text[:head]} … {text[-tail:]}"


def _cue_matrix(texts: Sequence[str], lengths: Sequence[int]) -> np.ndarray:
    """Per text and cue group: present anywhere, in the opening, in the first sentence, in
    the closing; then the log of the whole text's length (a long answer is rarely a refusal,
    and ``texts`` are clipped) and whether the text is empty. A cue is in a part when it lies
    wholly inside it."""
    out = np.zeros((len(texts), _N_CUES), dtype=np.float32)
    for i, text in enumerate(texts):
        low = text.lower().replace("’", "'")
        end = _SENTENCE_END.search(low, 12, _OPENING)
        first_end = end.end() if end else _OPENING
        closing_start = len(low) - _CLOSING
        row = out[i]
        for last, (n, groups) in _CUE_AUTOMATON.iter(low):
            stop = last + 1
            for j in groups:
                row[4 * j] = 1.0
                if stop <= _OPENING:
                    row[4 * j + 1] = 1.0
                    if stop <= first_end:
                        row[4 * j + 2] = 1.0
                if stop - n >= closing_start:
                    row[4 * j + 3] = 1.0
        row[-2] = np.log1p(lengths[i]) / 8.0
        row[-1] = not text.strip()
    return out


@cache
def _wordllama():
    # Imported lazily: only the ``embed`` block needs it. Weights ship inside the wheel.
    from pathlib import Path

    import wordllama

    # One core per worker: the tokenizer's thread pool only adds overhead (~10 %).
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return wordllama.WordLlama.load(
        cache_dir=Path(wordllama.__file__).parent, disable_download=True
    )


@cache
def _toxicity_model() -> tuple:
    """alt-profanity-check's TF-IDF vectorizer and its calibrated linear SVMs, taken apart:
    one matrix of their weights and their sigmoid calibrations. Its ``predict_proba`` gives
    the same numbers (a test checks), but its per-call input validation cost more than all
    the other request features on a batch of short requests."""
    # Imported lazily: only the ``toxicity`` block needs it. The model ships in the wheel.
    from profanity_check import profanity_check

    members = profanity_check.model.calibrated_classifiers_
    weights = np.column_stack([m.estimator.coef_.ravel() for m in members])
    bias = np.array([m.estimator.intercept_[0] for m in members])
    slope = np.array([m.calibrators[0].a_ for m in members])
    offset = np.array([m.calibrators[0].b_ for m in members])
    return profanity_check.vectorizer, weights, bias, slope, offset


def _toxicity(texts: Sequence[str]) -> np.ndarray:
    """How offensive each text is, from alt-profanity-check's linear SVMs (trained on some
    200,000 human-labelled texts, clean and offensive): the log-odds of P(offensive) where
    above even, else 0. The gold set has few offensive messages to learn that from; this
    brings what human raters called hateful, harassing or obscene, and the head learns how
    much it says about the policy (a rant with swear words is allowed, a slur is not).

    Evidence for, never against: clean text, which most dangerous requests are, gives 0, so
    the head cannot learn "clean, hence allowed" (with P(offensive) itself as a feature, the
    demo's clean CBRN requests were read as allowed twice as often).
    """
    vectorizer, weights, bias, slope, offset = _toxicity_model()
    margin = np.asarray(vectorizer.transform(texts) @ weights) + bias
    # Each member's sigmoid calibration, averaged, as CalibratedClassifierCV does.
    p = (1.0 / (1.0 + np.exp(slope * margin + offset))).mean(axis=1)
    p = np.clip(p, 1e-3, 1 - 1e-3)
    return np.maximum(np.log(p / (1 - p)), 0.0)[:, None].astype(np.float32)


def _words(text: str) -> list[str]:
    """Lower-cased word unigrams and bigrams."""
    tokens = _TOKEN.findall(text.lower())
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


def _opening_words(text: str) -> list[str]:
    """Uni-, bi- and trigrams of the first words: how a response opens says most."""
    head = _TOKEN.findall(text[:_OPENING].lower())
    return [
        *head,
        *(f"{a} {b}" for a, b in itertools.pairwise(head)),
        *(f"{a} {b} {c}" for a, b, c in zip(head, head[1:], head[2:], strict=False)),
    ]


class _WordVectors:
    """wordllama's embedding of a text, taken word by word: the mean of its words' vectors,
    each word's vector being the mean of its token vectors (cached per word, bounded).

    Tokenising every text with wordllama's tokenizer cost more than all other request
    features together; words repeat, so tokenising each word once is several times cheaper.
    The vectors are what ``WordLlama.embed`` gives each word on its own, so the result is a
    close approximation of embedding the whole text, identical in training and inference.
    """

    def __init__(self, capacity: int = 50_000) -> None:
        self.capacity = capacity
        self._ids: dict[str, int] = {}
        # Allocated once (calloc: untouched rows cost no memory), filled as words arrive.
        self._vectors = np.zeros((capacity, _wordllama().embedding.shape[1]), dtype=np.float32)

    def embed(self, texts: Sequence[str]) -> sp.csr_matrix:
        docs = [_TOKEN.findall(t.lower()) for t in texts]
        new = {w for doc in docs for w in doc if w not in self._ids}
        if len(self._ids) + len(new) > self.capacity:
            self._ids = {}  # bounded memory: start over (vectors do not depend on the cache)
            new = {w for doc in docs for w in doc}
            if len(new) > self.capacity and len(texts) > 1:  # a huge batch: halve it
                half = len(texts) // 2
                return sp.vstack([self.embed(texts[:half]), self.embed(texts[half:])], "csr")
            docs = [doc[: self.capacity] for doc in docs]  # one text beyond all bounds
            new = {w for doc in docs for w in doc}
        if new:
            self._add(sorted(new))
        ids = self._ids
        cols = [ids[w] for doc in docs for w in doc]
        lengths = np.fromiter((len(doc) for doc in docs), dtype=np.int64, count=len(docs))
        weights = np.repeat(1.0 / np.maximum(lengths, 1), lengths).astype(np.float32)
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        mean = sp.csr_matrix((weights, cols, indptr), shape=(len(docs), self.capacity))
        vectors = np.asarray(mean @ self._vectors)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return sp.csr_matrix(vectors / np.where(norms > 0, norms, 1.0))

    def _add(self, words: list[str]) -> None:
        model = _wordllama()
        # Empty or unknown-only words embed to NaN (0/0 normalisation): zero vectors.
        with np.errstate(invalid="ignore", divide="ignore"):
            vectors = np.nan_to_num(model.embed(words), nan=0.0)
        start = len(self._ids)
        self._ids.update((w, start + k) for k, w in enumerate(words))
        self._vectors[start : start + len(words)] = vectors


class Featurizer:
    """Turns requests (with tool calls) and responses into sparse feature rows.

    Blocks: ``words`` (hashed word uni- and bigrams of both texts), ``opening`` (the same,
    for the response's first words), ``chars`` (hashed character 3-5-grams of both texts),
    ``cues`` (refusal and compliance cues of the response), ``intent`` (what the request asks
    for, :mod:`classifiers.request_intent`), ``embed`` (a 256-d wordllama
    embedding of the request), ``embed_response`` (the same, of the response's opening) and
    ``toxicity`` (how offensive the request is, rows of their own from :meth:`toxicity`:
    they tell whether a request is allowed, not which domain it is in).
    """

    def __init__(self, blocks: Sequence[str] = DEFAULT_BLOCKS, *, bits: int = 16) -> None:
        unknown = set(blocks) - set(BLOCKS)
        if unknown:
            raise ValueError(f"unknown feature blocks {sorted(unknown)}; known: {BLOCKS}")
        self.blocks = tuple(b for b in BLOCKS if b in blocks)
        self.bits = bits
        n = 2**bits
        self._words = HashingVectorizer(n_features=n, analyzer=_words, alternate_sign=False)
        self._opening = HashingVectorizer(
            n_features=2**14, analyzer=_opening_words, alternate_sign=False
        )
        self._chars = HashingVectorizer(
            n_features=n, analyzer="char_wb", ngram_range=(3, 5), alternate_sign=False
        )
        self._tools = HashingVectorizer(n_features=2**12, token_pattern=r"[\w./-]+")
        embeds = {"embed", "embed_response"} & set(self.blocks)
        self._word_vectors = _WordVectors() if embeds else None
        self.request_dim = self._dim(request=True)
        self.response_dim = self._dim(request=False)
        self.toxicity_dim = 1 if "toxicity" in self.blocks else 0

    def _dim(self, *, request: bool) -> int:
        n = 2**self.bits
        dims = {
            "words": n,
            "opening": 0 if request else 2**14,
            "chars": n,
            "cues": 0 if request else _N_CUES,
            "intent": N_INTENT_CUES if request else 0,
            "embed": 256 if request else 0,
            "embed_response": 0 if request else 256,
            "toxicity": 0,  # its own rows: see :meth:`toxicity`
        }
        extra = 2**12 + len(risk_cues(None)) if request else len(risk_cues(None))
        return sum(dims[b] for b in self.blocks) + extra

    def _text_blocks(self, texts: list[str], *, request: bool) -> list:
        head, tail = (_REQUEST_HEAD, _TAIL) if request else (_HEAD, _TAIL)
        clipped = [_clip(t, head, tail) for t in texts]
        parts = []
        if "words" in self.blocks:
            parts.append(self._words.transform(clipped))
        if "chars" in self.blocks:
            parts.append(self._chars.transform([_clip(t, _CHAR_HEAD, _CHAR_TAIL) for t in texts]))
        if request:
            if "intent" in self.blocks:
                parts.append(sp.csr_matrix(intent_cues(clipped)))
            if "embed" in self.blocks:
                parts.append(self._word_vectors.embed(clipped))
        else:
            if "opening" in self.blocks:
                parts.append(self._opening.transform(texts))
            if "cues" in self.blocks:
                parts.append(sp.csr_matrix(_cue_matrix(clipped, [len(t) for t in texts])))
            if "embed_response" in self.blocks:
                parts.append(self._word_vectors.embed([t[:_OPENING] for t in texts]))
        return parts

    def embed_requests(self, texts: Sequence[str]) -> np.ndarray:
        """The wordllama embedding of each request, as the ``embed`` block has it: unit
        rows, one per text, 256 wide (whatever the blocks)."""
        if self._word_vectors is None:
            self._word_vectors = _WordVectors()
        return self._word_vectors.embed([_clip(t, _REQUEST_HEAD, _TAIL) for t in texts]).toarray()

    def toxicity(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Rows of the ``toxicity`` block for requests (``toxicity_dim`` wide, 0 when off)."""
        if not self.toxicity_dim:
            return sp.csr_matrix((len(texts), 0), dtype=np.float32)
        return sp.csr_matrix(_toxicity([_clip(t, _REQUEST_HEAD, _TAIL) for t in texts]))

    def request(
        self, texts: Sequence[str], calls: Sequence[Sequence[ToolCall] | None] | None = None
    ) -> sp.csr_matrix:
        """Rows for requests; ``calls`` are each sample's tool calls (actions taken)."""
        calls = calls if calls is not None else [None] * len(texts)
        tools = self._tools.transform([tool_call_text(c) for c in calls])
        risk = sp.csr_matrix(np.stack([risk_cues(c) for c in calls]))
        return sp.hstack([*self._text_blocks(list(texts), request=True), tools, risk], format="csr")

    def response(
        self, texts: Sequence[str], calls: Sequence[Sequence[ToolCall] | None] | None = None
    ) -> sp.csr_matrix:
        """Rows for responses; tool-call risk cues say whether the agent acted."""
        calls = calls if calls is not None else [None] * len(texts)
        risk = sp.csr_matrix(np.stack([risk_cues(c) for c in calls]))
        return sp.hstack([*self._text_blocks(list(texts), request=False), risk], format="csr")
