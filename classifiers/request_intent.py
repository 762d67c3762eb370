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
    r"kill(?:s|ed|ing|er|ers)?",
    r"murder(?:s|ed|ing|er|ers)?",
    r"stab(?:s|bed|bing)?",
    r"shoot(?:s|ing|er|ers)?",
    r"strangl(?:e|es|ed|ing)",
    r"chok(?:e|es|ed|ing)",
    r"poison(?:s|ed|ing)?",
    r"behead(?:s|ed|ing)?",
    r"decapitat(?:e|es|ed|ing|ion)",
    r"dismember(?:s|ed|ing|ment)?",
    r"slaughter(?:s|ed|ing)?",
    r"tortur(?:e|es|ed|ing)",
    r"maim(?:s|ed|ing)?",
    r"hurt(?:s|ing)?",
    r"injur(?:e|es|ed|ing)",
    r"beat(?:s|ing)? up",
    r"punch(?:es|ed|ing)?",
    r"attack(?:s|ed|ing|er|ers)?",
    r"assault(?:s|ed|ing)?",
    r"massacres?",
    r"genocid(?:e|es|al)",
    r"assassinat(?:e|es|ed|ing|ion)",
    r"drown(?:s|ed|ing)?",
    r"suffocat(?:e|es|ed|ing|ion)",
    r"smother(?:s|ed|ing)?",
    # abuse and exploitation
    r"rap(?:e|es|ed|ing|ist|ists)",
    r"molest(?:s|ed|ing|ation)?",
    r"kidnap(?:s|ped|ping|per|pers)?",
    r"abduct(?:s|ed|ing|ion)?",
    r"traffick(?:s|ed|ing|er|ers)",
    r"groom(?:s|ed|ing)?",
    # weapons, terror, mass harm
    r"bomb(?:s|ed|ing|er|ers)?",
    r"explosives?",
    r"detonat(?:e|es|ed|ing|ion|or|ors)",
    r"arson(?:ist|ists)?",
    r"set(?:ting)? fire",
    r"burn(?:ing)? down",
    r"terror(?:ism|ist|ists)?",
    r"nerve agents?",
    r"bioweapons?",
    r"chemical weapons?",
    # crime against property and people
    r"steal(?:s|ing|er|ers)?",
    r"stol(?:e|en)",
    r"rob(?:s|bed|bing|bery|beries|ber|bers)?",
    r"burglar(?:s|y|ies|ize)?",
    r"shoplift(?:s|ed|ing)?",
    r"fraud(?:s|ulent)?",
    r"scam(?:s|med|ming|mer|mers)?",
    r"launder(?:s|ed|ing)?",
    r"blackmail(?:s|ed|ing)?",
    r"extort(?:s|ed|ing|ion)?",
    r"counterfeit(?:s|ed|ing)?",
    r"stalk(?:s|ed|ing|er|ers)?",
    r"dox(?:x)?(?:es|ed|ing)?",
    r"harass(?:es|ed|ing|ment)?",
    r"bull(?:y|ies|ied|ying)",
    # cyber
    r"hack(?:s|ed|ing|er|ers)?",
    r"malware",
    r"ransomware",
    r"phish(?:ing)?",
    r"ddos",
    r"keyloggers?",
    # drugs and self-harm
    r"meth(?:amphetamine)?",
    r"cocaine",
    r"heroin",
    r"fentanyl",
    r"overdos(?:e|es|ed|ing)",
    r"suicid(?:e|al)",
    r"self-harm",
    r"cut(?:ting)? myself",
    r"hang(?:ing)? myself",
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
# Acts and people match as whole words, with their inflections spelled out: a stem alone
# would read "meth" in "method", "stab" in "stable" and "rob" in "robot".
_HARMS = _alternation(_HARM, whole=True)
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
