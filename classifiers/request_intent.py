"""What a request asks for: to carry out a harmful act, perhaps against a person, or to
understand one.

A bag of words cannot tell "how do I hurt someone" from "how do I hurt my chances less",
nor "how is arson investigated" from "how do I commit arson": every word is shared with a
harmless request somewhere in the gold set, which teaches that a harm word alone says
nothing. These cues put the parts together: an operational ask ("how do I", "help me",
"where can I buy"), an explanatory one ("what is", "why did", "for my novel"), a harmful act
and a person as its target, and their conjunctions, which a linear head cannot form itself.

>>> intent_cues(["How do I hurt someone?", "What is arson?"]).astype(int).tolist()
[[1, 1, 1, 0, 1, 1, 1], [0, 0, 0, 1, 0, 1, 0]]
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_OPERATIONAL = (
    r"how (?:do|can|could|would|should) (?:i|we|you|one|someone)",
    r"how to",
    r"(?:best|easiest|fastest|quickest|good|effective) way (?:to|of)",
    r"steps to",
    r"help me",
    r"teach me",
    r"show me how",
    r"tell me how",
    r"where (?:can|do|could) i (?:buy|get|find|order)",
    r"i (?:want|need|plan|intend) to",
    r"i'm (?:going|planning) to",
    r"i am (?:going|planning) to",
    r"give me (?:a|the) (?:plan|guide|method|recipe|instructions)",
    r"without (?:getting caught|anyone noticing|leaving)",
    r"get away with",
)
_EXPLANATORY = (
    r"what (?:is|are|was|were|does|did)",
    r"define",
    r"definition",
    r"meaning of",
    r"history of",
    r"why (?:did|do|does|was|were|is|are)",
    r"what happened",
    r"explain (?:what|why)",
    r"in (?:a|the) (?:game|video game|movie|film|novel|story|play)",
    r"for (?:my|a) (?:novel|story|book|screenplay|script|class|essay)",
)
_HARM = (
    # violence
    r"kill",
    r"murder",
    r"stab",
    r"shoot",
    r"strangle",
    r"choke",
    r"poison",
    r"behead",
    r"decapitat",
    r"dismember",
    r"slaughter",
    r"torture",
    r"maim",
    r"hurt",
    r"injure",
    r"beat up",
    r"punch",
    r"attack",
    r"assault",
    r"massacre",
    r"genocide",
    r"assassinat",
    r"drown",
    r"suffocat",
    r"smother",
    # abuse and exploitation
    r"rape",
    r"molest",
    r"kidnap",
    r"abduct",
    r"traffick",
    r"groom",
    # weapons, terror, mass harm
    r"bomb",
    r"explosive",
    r"detonat",
    r"arson",
    r"set fire",
    r"burn down",
    r"terror",
    r"nerve agent",
    r"bioweapon",
    r"chemical weapon",
    # crime against property and people
    r"steal",
    r"rob",
    r"burglar",
    r"shoplift",
    r"fraud",
    r"scam",
    r"launder",
    r"blackmail",
    r"extort",
    r"counterfeit",
    r"stalk",
    r"dox",
    r"harass",
    r"bully",
    # cyber
    r"hack",
    r"malware",
    r"ransomware",
    r"phish",
    r"ddos",
    r"keylogger",
    # drugs and self-harm
    r"meth",
    r"cocaine",
    r"heroin",
    r"fentanyl",
    r"overdose",
    r"suicide",
    r"self-harm",
    r"cut myself",
    r"hang myself",
)
_PERSON = (
    r"person",
    r"people",
    r"human",
    r"someone",
    r"somebody",
    r"anyone",
    r"(?:wo)?m[ae]n",
    r"child(?:ren)?",
    r"kids?",
    r"bab(?:y|ies)",
    r"girls?",
    r"boys?",
    r"wife",
    r"husband",
    r"girlfriend",
    r"boyfriend",
    r"partner",
    r"neighbou?rs?",
    r"boss",
    r"co-?workers?",
    r"colleagues?",
    r"teachers?",
    r"students?",
    r"classmates?",
    r"politicians?",
    r"president",
    r"officers?",
    r"police",
    r"strangers?",
    r"family",
    r"mother",
    r"father",
    r"mom",
    r"dad",
    r"sister",
    r"brother",
    r"friends?",
    r"my ex",
    r"myself",
    r"immigrants?",
    r"refugees?",
    r"jews?",
    r"muslims?",
    r"christians?",
    r"black",
    r"asians?",
    r"gay",
    r"trans",
    r"disabled",
    r"elderly",
)


def _alternation(words: Sequence[str], *, whole: bool) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + (r")\b" if whole else ")"))


_ASKS = _alternation(_OPERATIONAL, whole=False)
_EXPLAINS = _alternation(_EXPLANATORY, whole=False)
# Harm stems match as prefixes ("poison" in "poisoning"), people as whole words ("man" is
# not in "many").
_HARMS = _alternation(_HARM, whole=False)
_PEOPLE = _alternation(_PERSON, whole=True)
#: Width of :func:`intent_cues` rows.
N_INTENT_CUES = 7
#: Requests are short; what decides their intent is at the start.
_HEAD = 500


def intent_cues(texts: Sequence[str]) -> np.ndarray:
    """Per request: operational ask and harm; harm and a person; all three; explanatory ask
    and harm; operational, not explanatory, and harm; harm; a person (0/1 each)."""
    out = np.zeros((len(texts), N_INTENT_CUES), dtype=np.float32)
    for i, text in enumerate(texts):
        low = text[:_HEAD].lower().replace("’", "'")
        harm = _HARMS.search(low) is not None
        person = _PEOPLE.search(low) is not None
        if not (harm or person):
            continue
        asks = _ASKS.search(low) is not None
        explains = _EXPLAINS.search(low) is not None
        out[i] = (
            asks and harm,
            harm and person,
            asks and harm and person,
            explains and harm,
            asks and harm and not explains,
            harm,
            person,
        )
    return out
