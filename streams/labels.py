"""Labels joined to their samples by ``sample_id`` in a bounded store.

Labels usually arrive after their sample (a human looked at it), sometimes before (replays,
races between topics). Both sides are held in capped insertion-ordered maps: the newest
``capacity`` samples this worker processed, and labels still waiting for theirs. The oldest
entries fall out first, so memory is bounded however the streams behave.

>>> from monitor.testing import make_sample
>>> from monitor.contract import Label
>>> store = LabelJoin(capacity=2)
>>> store.add_label(Label("s-1", "human", harmful=True))
[]
>>> [(s.sample_id, l.harmful) for s, l in store.add_sample(make_sample("s-1"))]
[('s-1', True)]
"""

from __future__ import annotations

from collections import OrderedDict

from monitor.contract import Label, Sample


class LabelJoin:
    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._samples: OrderedDict[str, Sample] = OrderedDict()
        self._waiting: OrderedDict[str, list[Label]] = OrderedDict()

    def add_sample(self, sample: Sample) -> list[tuple[Sample, Label]]:
        """Keep a sample; returns the labels that were waiting for it."""
        self._samples[sample.sample_id] = sample
        if len(self._samples) > self.capacity:
            self._samples.popitem(last=False)
        return [(sample, label) for label in self._waiting.pop(sample.sample_id, ())]

    def add_label(self, label: Label) -> list[tuple[Sample, Label]]:
        """A label; returns it with its sample when the sample is held, else keeps it."""
        sample = self._samples.get(label.sample_id)
        if sample is not None:
            return [(sample, label)]
        self._waiting.setdefault(label.sample_id, []).append(label)
        if len(self._waiting) > self.capacity:
            self._waiting.popitem(last=False)
        return []

    def __len__(self) -> int:
        return len(self._samples)
