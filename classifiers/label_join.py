"""Join delayed labels to their samples by ``sample_id``, in bounded memory.

Samples are kept in an LRU of at most ``capacity`` entries, each for at most ``ttl`` seconds
of *sample time* (timestamps, never the wall clock, so replays behave the same). A label
whose sample is still held is applied at once; one that arrives first waits, bounded the
same way, for its sample.

>>> import datetime as dt
>>> from monitor.contract import Label, Message, Sample
>>> seen = []
>>> join = LabelJoin(lambda s, l: seen.append((s.sample_id, l.response)), capacity=10)
>>> t = dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc)
>>> join.add_sample(Sample("s1", t, "m", [Message("user", "q"), Message("assistant", "a")]))
>>> join.add_label(Label("s1", "human", response="refused"))
True
>>> seen
[('s1', 'refused')]
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable

from monitor.contract import Label, Sample

#: Called with the sample and its label when they meet.
ApplyFn = Callable[[Sample, Label], None]


class LabelJoin:
    """Bounded LRU/TTL join of samples and labels; ``apply`` is usually ``Classifier.learn``."""

    def __init__(
        self, apply: ApplyFn, *, capacity: int = 100_000, ttl: float = 7 * 24 * 3600.0
    ) -> None:
        self._apply = apply
        self.capacity = capacity
        self.ttl = dt.timedelta(seconds=ttl)
        self._samples: OrderedDict[str, Sample] = OrderedDict()
        self._pending: OrderedDict[str, list[Label]] = OrderedDict()
        self._now: dt.datetime | None = None
        self.applied = 0
        self.expired = 0

    def __len__(self) -> int:
        return len(self._samples)

    def add_sample(self, sample: Sample) -> None:
        """Remember a sample; applies labels that were waiting for it."""
        self._now = max(self._now, sample.timestamp) if self._now else sample.timestamp
        waiting = self._pending.pop(sample.sample_id, [])
        for label in waiting:
            self._apply(sample, label)
            self.applied += 1
        self._samples[sample.sample_id] = sample
        self._samples.move_to_end(sample.sample_id)
        self._evict()

    def add_label(self, label: Label) -> bool:
        """Apply the label if its sample is held (True); otherwise keep it waiting (False)."""
        sample = self._samples.get(label.sample_id)
        if sample is None:
            self._pending.setdefault(label.sample_id, []).append(label)
            self._pending.move_to_end(label.sample_id)
            while len(self._pending) > self.capacity:
                self._pending.popitem(last=False)
                self.expired += 1
            return False
        self._apply(sample, label)
        self.applied += 1
        return True

    def _evict(self) -> None:
        while len(self._samples) > self.capacity:
            self._samples.popitem(last=False)
            self.expired += 1
        # Oldest first: stop at the first sample still inside the TTL.
        while self._samples:
            oldest = next(iter(self._samples.values()))
            if self._now - oldest.timestamp <= self.ttl:
                break
            self._samples.popitem(last=False)
            self.expired += 1
