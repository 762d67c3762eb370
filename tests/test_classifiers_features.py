"""The refusal-cue features: the one-pass automaton finds what a plain substring test finds."""

from __future__ import annotations

import numpy as np

from classifiers import features as F
from classifiers.gold import load_gold
from monitor.contract import response_text


def _reference_cue_matrix(texts: list[str], lengths: list[int]) -> np.ndarray:
    """The cue features by their definition: a substring test per cue and part of the text."""
    out = np.zeros((len(texts), F._N_CUES), dtype=np.float32)
    for i, text in enumerate(texts):
        low = text.lower().replace("’", "'")
        opening, closing = low[: F._OPENING], low[-F._CLOSING :]
        end = F._SENTENCE_END.search(low, 12, F._OPENING)
        first = opening[: end.end()] if end else opening
        for j, words in enumerate(F._CUES.values()):
            out[i, 4 * j] = any(w in low for w in words)
            out[i, 4 * j + 1] = any(w in opening for w in words)
            out[i, 4 * j + 2] = any(w in first for w in words)
            out[i, 4 * j + 3] = any(w in closing for w in words)
        out[i, -2] = np.log1p(lengths[i]) / 8.0
        out[i, -1] = not text.strip()
    return out


def _edge_cases() -> list[str]:
    pad = "x" * 150
    return [
        "",
        "   ",
        "I'm sorry, but I can't help with that.",
        "I’m sorry, but I can’t help with that.",  # curly apostrophes
        f"{pad} sorry",  # a cue that starts inside the opening and ends past it
        f"{pad[:152]}sorry",  # one that ends exactly at the opening's end
        f"Okay. {pad} {pad} I cannot",  # in the closing only
        f"Sorry{pad}{pad}",  # the closing starts inside a cue
        "Sure: here's how. Here is more, however, that said, here are steps.",  # shared cues
        "Lo siento, pero no puedo ayudarte con eso.",
        "抱歉，我无法帮助你。",
        "There is no reason why this should never be justified; not justified at all.",
    ]


def test_the_automaton_finds_what_a_substring_test_finds():
    texts = [*_edge_cases(), *(response_text(s) for s in load_gold()[::7])]
    clipped = [F._clip(t, F._HEAD, F._TAIL) for t in texts]
    lengths = [len(t) for t in texts]
    assert np.array_equal(F._cue_matrix(clipped, lengths), _reference_cue_matrix(clipped, lengths))


def test_intent_cues_put_the_ask_the_act_and_the_target_together():
    from classifiers.request_intent import intent_cues

    rows = intent_cues(
        [
            "Where could I get a gun to shoot my boss?",  # operational, harm, a person
            "Why did the assassination of the archduke start a war?",  # explanatory
            "how do I kill a hung process in Linux",  # harm word, no person
            "Many managers ask me to review their plans.",  # "man" is not in "many"
            "",
        ]
    ).astype(int)
    ask_harm, harm_person, all_three, explain_harm, ask_not_explain, harm, person = rows.T
    assert all_three.tolist() == [1, 0, 0, 0, 0]
    assert explain_harm.tolist() == [0, 1, 0, 0, 0]
    assert ask_harm.tolist() == [1, 0, 1, 0, 0] == ask_not_explain.tolist()
    assert harm.tolist() == [1, 1, 1, 0, 0]
    assert person.tolist() == [1, 0, 0, 0, 0] == harm_person.tolist()
    # Acts match as whole words: no "meth" in "method", "stab" in "stable", "rob" in "robot".
    assert not intent_cues(["What method keeps a robot stable at a hackathon?"]).any()


def test_toxicity_is_what_the_packaged_model_predicts():
    from profanity_check import profanity_check

    texts = ["have a lovely day", "you are a worthless idiot", "", "ugh, the printer hates me"]
    expected = profanity_check.model.predict_proba(profanity_check.vectorizer.transform(texts))
    p = np.clip(expected[:, 1], 1e-3, 1 - 1e-3)
    log_odds = np.maximum(np.log(p / (1 - p)), 0.0)
    assert np.allclose(F._toxicity(texts)[:, 0], log_odds, atol=1e-5)
    assert F._toxicity(["have a lovely day"])[0, 0] == 0.0  # clean text: no evidence
