"""One more per-sample field in FastReID batches (clothes ids, captions, modalities).

FastReID's items are ``(path, pid, camid)`` triples and its samplers unpack exactly three fields,
so a method's extra label cannot ride in the tuple. A :class:`SampleFieldDataset` keeps it in a
list beside the items and adds it to each sample dict, hence to the batch.
"""
from __future__ import annotations

from fastreid.data.common import CommDataset


class SampleFieldDataset(CommDataset):
    """``CommDataset`` whose samples also hold ``sample[field] = getattr(self, values)[index]``.

    Subclasses set ``field`` (the batch key) and ``values`` (the attribute holding one value per item).
    """

    field: str
    values: str

    def __getitem__(self, index: int) -> dict:
        sample = super().__getitem__(index)
        sample[self.field] = getattr(self, self.values)[index]
        return sample
