"""The gold set: adjudicated labels, versioned, in an append-only JSONL file.

Each commit appends one line, a delta from its parent: the items added or changed and the
sample ids removed. A version's id is content-addressed: ``gs-`` and the first 16 hex digits
of the SHA-256 of its full item set in canonical JSON, so the same items always get the
same id, wherever and whenever they were committed. Committing an unchanged item set adds
nothing and returns the current id. Old versions stay readable forever (nothing is
rewritten), so a report or an evaluation can name the exact gold version it used.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "gold.jsonl"
>>> gold = GoldSet(path)
>>> v1 = gold.commit([GoldItem("s-1", request="allowed", response="refused")], note="first")
>>> v2 = gold.commit([GoldItem("s-2", request="disallowed")])
>>> sorted(gold.items(v2)), sorted(gold.items(v1))
(['s-1', 's-2'], ['s-1'])
>>> gold.diff(v1, v2).added
['s-2']
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from monitor.adjudication import AdjudicatedLabel
from monitor.agreement import LABEL_FIELDS


class GoldItem(msgspec.Struct, frozen=True, omit_defaults=True):
    """One gold label: the settled fields of a sample and how they were settled."""

    sample_id: str
    domain: str | None = None
    request: str | None = None
    response: str | None = None
    harmful: bool | None = None
    methods: dict[str, str] = msgspec.field(default_factory=dict)
    raters: int = 0


class GoldCommit(msgspec.Struct, frozen=True, omit_defaults=True):
    """One line of the gold file: a version as a delta from its parent."""

    version: str
    parent: str | None
    created_at: dt.datetime
    size: int
    upserts: list[GoldItem] = msgspec.field(default_factory=list)
    removed: list[str] = msgspec.field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class GoldDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: Sample id -> {field: (old, new)} for items whose fields changed.
    changed: dict[str, dict[str, tuple]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


_encoder = msgspec.json.Encoder(order="sorted")
_decoder = msgspec.json.Decoder(GoldCommit)


def gold_items(adjudicated: Iterable[AdjudicatedLabel], *, min_raters: int = 2) -> list[GoldItem]:
    """Gold candidates: adjudicated samples whose every settled field is trustworthy.

    A field settled by one rater alone does not make gold unless ``min_raters`` is 1; such
    fields are dropped, and an item with none left is skipped.
    """
    out = []
    for item in adjudicated:
        keep = {
            name: item.value(name)
            for name in LABEL_FIELDS
            if item.value(name) is not None
            and (item.methods.get(name) != "single" or min_raters <= 1)
            and (item.methods.get(name) == "adjudicator" or len(item.raters) >= min_raters)
        }
        if keep:
            methods = {k: v for k, v in item.methods.items() if k in keep}
            out.append(GoldItem(item.sample_id, **keep, methods=methods, raters=len(item.raters)))
    return out


def version_id(items: Mapping[str, GoldItem]) -> str:
    """The content address of an item set (order does not matter)."""
    canonical = _encoder.encode([items[k] for k in sorted(items)])
    return "gs-" + hashlib.sha256(canonical).hexdigest()[:16]


class GoldSet:
    """An append-only, versioned gold file (see the module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def commits(self) -> list[GoldCommit]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as f:
            return [_decoder.decode(line) for line in f if line.strip()]

    def versions(self) -> list[str]:
        """Version ids, oldest first."""
        return [c.version for c in self.commits()]

    def head(self) -> str | None:
        versions = self.versions()
        return versions[-1] if versions else None

    def items(self, version: str | None = None) -> dict[str, GoldItem]:
        """The item set of ``version`` (default: the newest) by sample id."""
        state: dict[str, GoldItem] = {}
        commits = self.commits()
        if version is not None and version not in {c.version for c in commits}:
            raise KeyError(f"no gold version {version!r} in {self.path}")
        for commit in commits:
            for item in commit.upserts:
                state[item.sample_id] = item
            for sample_id in commit.removed:
                state.pop(sample_id, None)
            if commit.version == version:
                break
        return state

    def commit(
        self,
        items: Iterable[GoldItem],
        *,
        note: str = "",
        replace: bool = False,
        created_at: dt.datetime | None = None,
    ) -> str:
        """Add (or with ``replace``, set exactly) these items; returns the new version's id.

        Without ``replace`` the items are merged into the newest version: new sample ids are
        added, known ones updated.
        """
        parent = self.head()
        before = self.items(parent) if parent else {}
        after = {} if replace else dict(before)
        for item in items:
            after[item.sample_id] = item
        version = version_id(after)
        if version == parent:
            return version
        upserts = [after[k] for k in sorted(after) if before.get(k) != after[k]]
        removed = sorted(set(before) - set(after))
        record = GoldCommit(
            version=version,
            parent=parent,
            created_at=created_at or dt.datetime.now(dt.UTC).replace(microsecond=0),
            size=len(after),
            upserts=upserts,
            removed=removed,
            note=note,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as f:
            f.write(_encoder.encode(record) + b"\n")
            f.flush()
            os.fsync(f.fileno())
        return version

    def diff(self, old: str | None, new: str | None = None) -> GoldDiff:
        """What changed from version ``old`` to ``new`` (default: the newest)."""
        a = self.items(old) if old else {}
        b = self.items(new)
        changed = {}
        for sample_id in sorted(set(a) & set(b)):
            if a[sample_id] != b[sample_id]:
                fields = {
                    name: (getattr(a[sample_id], name), getattr(b[sample_id], name))
                    for name in LABEL_FIELDS
                    if getattr(a[sample_id], name) != getattr(b[sample_id], name)
                }
                changed[sample_id] = fields
        return GoldDiff(sorted(set(b) - set(a)), sorted(set(a) - set(b)), changed)


@dataclass(frozen=True)
class LabellerScore:
    """One labeller against the gold set, per field."""

    labeler: str
    field: str
    items: int
    accuracy: float
    kappa: float | None


def labeller_calibration(
    labels: Iterable, gold: Mapping[str, GoldItem], fields: tuple[str, ...] = LABEL_FIELDS
) -> list[LabellerScore]:
    """Each labeller's accuracy and Cohen's kappa against gold items they labelled.

    A labeller's own vote was part of the adjudication that made an item gold, which
    flatters them somewhat; items seeded as gold (``source: "gold"``) are the fair test.
    """
    from monitor.agreement import cohen_kappa, rater_labels

    pairs: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for sample_id, raters in rater_labels(labels).items():
        item = gold.get(sample_id)
        if item is None:
            continue
        for rater, label in raters.items():
            for name in fields:
                truth, said = getattr(item, name), getattr(label, name)
                if truth is not None and said is not None:
                    pairs.setdefault((rater, name), []).append((str(said), str(truth)))
    out = []
    for (rater, name), got in sorted(pairs.items()):
        said, truth = zip(*got, strict=True)
        kappa = cohen_kappa(said, truth)
        out.append(
            LabellerScore(
                labeler=rater,
                field=name,
                items=len(got),
                accuracy=sum(s == t for s, t in got) / len(got),
                kappa=None if kappa != kappa else kappa,  # NaN: one category only
            )
        )
    return out
