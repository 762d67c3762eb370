"""Agent actions: turn a sample's ``tool_calls`` into text and risk cues.

An agent can comply by acting rather than by writing, so destructive commands, data
exfiltration, purchases or transfers, messages sent on the user's behalf and disabled
safeguards are features of the request, policy and harmful heads.

>>> from monitor.contract import ToolCall
>>> risk_cues([ToolCall("shell", {"cmd": "rm -rf /"})]).tolist()
[1.0, 0.0, 0.0, 0.0, 0.0, 1.0]
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec
import numpy as np

from monitor.contract import ToolCall

#: Risk categories, in the order of :func:`risk_cues` (followed by "any call").
CATEGORIES = ("destructive", "exfiltration", "spend", "message", "safeguards")

_PATTERNS = {
    "destructive": r"\brm\s+-\w*[rf]|\bdrop\s+(database|table)|\bdelete\s+from\b|\bmkfs|"
    r"--force\b|force\"?\s*:\s*true|\btruncate\s+table|\bdelete_bucket|\bwipe|\bshred\b|"
    r"chmod\s+-r\s+777|\bdd\s+if=",
    "exfiltration": r"\.ssh|id_rsa|/etc/shadow|passwords?|credentials?|secret|\bnc\s+\d|"
    r"paste\.|pastebin|customers?\.csv|attach|api[_-]?key|token",
    "spend": r"\bpurchase|\bplace_order|\bbuy\b|gift\s*card|bank_transfer|\btransfer\b|"
    r"payment|checkout|\bwire\b",
    "message": r"send_(email|message|sms)|post_social|\btweet|all_contacts|\bpost\b.*\btext\b",
    "safeguards": r"ufw\s+disable|disablerealtime|setenforce\s+0|stop\s+auditd|firewall|"
    r"antivirus|audit|2fa|mfa|selinux|defender",
}
_REGEX = {k: re.compile(v, re.I) for k, v in _PATTERNS.items()}
_CONSENT = re.compile(r"(confirm(ed)?|approved|notify_owner)\"?\s*:\s*true", re.I)
_encoder = msgspec.json.Encoder()


def tool_call_text(calls: Sequence[ToolCall] | None) -> str:
    """The calls as one line of text (name and arguments), for hashing."""
    if not calls:
        return ""
    parts = []
    for call in calls:
        args = call.arguments
        body = args if isinstance(args, str) else _encoder.encode(args).decode()
        parts.append(f"tool_{call.name} {body}")
    return " ".join(parts)


def risk_cues(calls: Sequence[ToolCall] | None) -> np.ndarray:
    """One 0/1 per category in :data:`CATEGORIES`, then 1 if there is any call at all."""
    out = np.zeros(len(CATEGORIES) + 1, dtype=np.float32)
    text = tool_call_text(calls)
    if not text:
        return out
    consented = bool(_CONSENT.search(text))
    for i, name in enumerate(CATEGORIES):
        # Spending and messaging are fine with the user's explicit consent.
        if _REGEX[name].search(text) and not (consented and name in ("spend", "message")):
            out[i] = 1.0
    out[-1] = 1.0
    return out
