"""Text features: hashed word and character n-grams, refusal cues, optional embeddings.

Hashing needs no vocabulary, so features are stable while the heads learn online and a
snapshot only stores weights. Request and response get separate feature spaces.

>>> f = Featurizer()
>>> x = f.response(["I'm sorry, but I can't help with that."])
>>> x.shape[0], x.shape[1] == f.response_dim
(1, True)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from classifiers.tool_calls import risk_cues, tool_call_text
from monitor.contract import ToolCall

#: Feature blocks a :class:`Featurizer` can use; ``embed`` needs the ``wordllama`` package.
BLOCKS = ("words", "chars", "cues", "embed")
DEFAULT_BLOCKS = ("words", "chars", "cues")

# Refusals show in the opening and the close; the middle of a long answer adds little
# and costs time, so texts are clipped to head + tail.
_HEAD, _TAIL = 400, 160
_CHAR_HEAD, _CHAR_TAIL = 200, 80

_CUES = [
    r"^\W*(i'?m|i am)?\s*(so |really |very |truly )?(sorry|apologi[sz]e)",
    r"\b(i|we)\s*(can ?not|can'?t|won'?t|will not|am unable|'m unable|am not able|'m not able|"
    r"must decline|have to decline|do not feel comfortable|don'?t feel comfortable)",
    r"\bas an ai\b|\blanguage model\b|\bjust an ai\b|\bi'?m an ai\b",
    r"\b(guidelines|policy|policies|ethical|unethical|illegal|inappropriate|not appropriate|"
    r"harmful)\b",
    r"\b(professional|doctor|lawyer|therapist|hotline|crisis line|emergency services|"
    r"authorities)\b",
    r"\b(instead|however|that said|but i can|in general terms|general information)\b",
    r"^\W*(sure|certainly|of course|absolutely|here'?s|here is|great question|yes\b|okay|ok\b)",
    r"(^|\n)\s*(\d+[.)]|[-*•])\s+\w",
    r"```|\bdef |\bimport |;\s*$",
    r"\b(step \d|first,|next,|then,|finally,)",
]
_CUE_RE = [re.compile(c, re.I | re.M) for c in _CUES]


def _clip(text: str, head: int, tail: int) -> str:
    return text if len(text) <= head + tail else f"{text[:head]} … {text[-tail:]}"


def _cue_matrix(texts: Sequence[str]) -> np.ndarray:
    """Per text: each cue anywhere and in the opening 120 chars, and log length."""
    out = np.zeros((len(texts), 2 * len(_CUE_RE) + 1), dtype=np.float32)
    for i, text in enumerate(texts):
        opening = text[:120]
        for j, rx in enumerate(_CUE_RE):
            if rx.search(text):
                out[i, 2 * j] = 1.0
                if rx.search(opening):
                    out[i, 2 * j + 1] = 1.0
        out[i, -1] = np.log1p(len(text)) / 8.0
    return out


@cache
def _wordllama():
    # Imported lazily: only the ``embed`` block needs it. Weights ship inside the wheel.
    from pathlib import Path

    import wordllama

    return wordllama.WordLlama.load(
        cache_dir=Path(wordllama.__file__).parent, disable_download=True
    )


class Featurizer:
    """Turns requests (with tool calls) and responses into sparse feature rows."""

    def __init__(self, blocks: Sequence[str] = DEFAULT_BLOCKS, *, bits: int = 16) -> None:
        unknown = set(blocks) - set(BLOCKS)
        if unknown:
            raise ValueError(f"unknown feature blocks {sorted(unknown)}; known: {BLOCKS}")
        self.blocks = tuple(b for b in BLOCKS if b in blocks)
        self.bits = bits
        n = 2**bits
        self._words = HashingVectorizer(n_features=n, ngram_range=(1, 2), alternate_sign=False)
        self._chars = HashingVectorizer(
            n_features=n, analyzer="char_wb", ngram_range=(3, 5), alternate_sign=False
        )
        self._tools = HashingVectorizer(n_features=2**12, token_pattern=r"[\w./-]+")
        self.request_dim = self._dim(request=True)
        self.response_dim = self._dim(request=False)

    def _dim(self, *, request: bool) -> int:
        n = 2**self.bits
        dims = {"words": n, "chars": n, "cues": 2 * len(_CUE_RE) + 1, "embed": 256}
        extra = 2**12 + len(risk_cues(None)) if request else len(risk_cues(None))
        return sum(dims[b] for b in self.blocks) + extra

    def _text_blocks(self, texts: list[str]) -> list:
        parts = []
        clipped = [_clip(t, _HEAD, _TAIL) for t in texts]
        if "words" in self.blocks:
            parts.append(self._words.transform(clipped))
        if "chars" in self.blocks:
            parts.append(self._chars.transform([_clip(t, _CHAR_HEAD, _CHAR_TAIL) for t in texts]))
        if "cues" in self.blocks:
            parts.append(sp.csr_matrix(_cue_matrix(clipped)))
        if "embed" in self.blocks:
            parts.append(sp.csr_matrix(_wordllama().embed(clipped, norm=True)))
        return parts

    def request(
        self, texts: Sequence[str], calls: Sequence[Sequence[ToolCall] | None] | None = None
    ) -> sp.csr_matrix:
        """Rows for requests; ``calls`` are each sample's tool calls (actions taken)."""
        calls = calls if calls is not None else [None] * len(texts)
        tools = self._tools.transform([tool_call_text(c) for c in calls])
        risk = sp.csr_matrix(np.stack([risk_cues(c) for c in calls]))
        return sp.hstack([*self._text_blocks(list(texts)), tools, risk], format="csr")

    def response(
        self, texts: Sequence[str], calls: Sequence[Sequence[ToolCall] | None] | None = None
    ) -> sp.csr_matrix:
        """Rows for responses; tool-call risk cues say whether the agent acted."""
        calls = calls if calls is not None else [None] * len(texts)
        risk = sp.csr_matrix(np.stack([risk_cues(c) for c in calls]))
        return sp.hstack([*self._text_blocks(list(texts)), risk], format="csr")
