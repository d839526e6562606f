"""Captions from CUHK-PEDES-style annotations into FastReID batches (text-based ReID).

FastReID's items are ``(path, pid, camid)`` triples and its samplers unpack
exactly three fields, so the caption cannot ride along as a 4th element. As
the clothes id does (:mod:`cfat_plugin.data.clothes`), it is found from the
path: an image ``<dir>/imgs/<subfolder>/<file>`` is described in
``<dir>/reid_raw.json`` under ``file_path`` ``<subfolder>/<file>`` (ICFG-PEDES's ``ICFG-PEDES.json`` and
RSTPReid's ``data_captions.json`` likewise)
(:func:`captions_of_path`, the file read once). :class:`CaptionDataset` is a
``CommDataset`` that adds ``caption`` (one string) to each sample, hence a
list of strings to the batch; an image with two captions is two samples, as
text-based ReID trains on (image, caption) pairs.

The text-to-image protocol: the queries are the captions of the test images,
the gallery the test images (:func:`text_to_image_protocol`). In a FastReID
test loader (:func:`build_caption_test_loader`) the first ``num_query``
samples are the queries: one per caption, with its text in ``caption`` and
camid -1 (a text has no camera, so no gallery image is discarded as a
same-camera match); the image they also load is the one the caption
describes and is not for the model to see. The gallery samples follow with
``caption`` empty.
"""
from __future__ import annotations

import functools
import os
from typing import NamedTuple

from fastreid.data.build import build_reid_test_loader, build_reid_train_loader
from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.data.transforms import build_transforms

from .config import datasets_root
from .sample_fields import SampleFieldDataset
from .datasets.text_pedes import ANNOTATION_FILES, read_caption_records
from .synthetic.layouts import pedes

TEXT_CAMID = -1  # the camid of a text query


@functools.lru_cache(maxsize=8)
def _index(annotations: str, mtime_ns: int) -> dict[str, tuple[str, ...]]:
    """``file_path`` -> captions of one annotation file (keyed by mtime: a rewritten file is read again)."""
    if os.path.basename(annotations) == pedes.ANNOTATIONS:
        records = pedes.read_annotations(annotations)
    else:
        records = read_caption_records(annotations)
    return {r["file_path"]: tuple(r["captions"]) for r in records}


def _annotations_of(folder: str) -> str:
    """The annotation file of a text-ReID folder: CUHK-PEDES's, ICFG-PEDES's or RSTPReid's (the first found)."""
    for name in (pedes.ANNOTATIONS,) + tuple(ANNOTATION_FILES):
        if os.path.isfile(os.path.join(folder, name)):
            return os.path.join(folder, name)
    return os.path.join(folder, pedes.ANNOTATIONS)


def captions_of_path(path: str) -> tuple[str, ...]:
    """The captions of a CUHK-PEDES image; ``ValueError`` if it has none."""
    parts = os.path.normpath(path).split(os.sep)
    if pedes.IMAGES not in parts[:-1]:
        raise ValueError(f"no captions for {path!r}: not under a CUHK-PEDES {pedes.IMAGES}/ folder")
    at = len(parts) - 1 - parts[::-1].index(pedes.IMAGES)
    folder = os.sep.join(parts[:at]) or (os.sep if os.path.isabs(path) else os.curdir)
    annotations = _annotations_of(folder)
    if not os.path.isfile(annotations):
        raise ValueError(f"no captions for {path!r}: {annotations} is missing")
    captions = _index(annotations, os.stat(annotations).st_mtime_ns).get("/".join(parts[at + 1:]))
    if not captions:
        raise ValueError(f"no captions for {path!r} in {annotations}")
    return captions


def per_caption(items: list[tuple]) -> tuple[list[tuple], list[str]]:
    """Each image item once per caption, and the captions in the same order."""
    out, texts = [], []
    for item in items:
        for caption in captions_of_path(item[0]):
            out.append(item)
            texts.append(caption)
    return out, texts


class CaptionDataset(SampleFieldDataset):
    """``CommDataset`` whose samples also hold ``caption``, the text at the same
    position in ``captions`` (see the module docstring)."""

    field, values = "caption", "captions"  # the batch key and the attribute it is read from

    def __init__(self, img_items, captions: list[str], transform=None, relabel: bool = True) -> None:
        if len(captions) != len(img_items):
            raise ValueError(f"CaptionDataset: {len(captions)} captions for {len(img_items)} items")
        super().__init__(img_items, transform, relabel)
        self.captions = list(captions)


class TextToImage(NamedTuple):
    """The text-to-image protocol of one data set: ``queries`` are ``(caption, pid)``,
    ``gallery`` the ``(path, pid, camid)`` images; a query matches the gallery
    images of its pid (CUHK-PEDES counts no camera and no junk)."""

    queries: list[tuple[str, int]]
    gallery: list[tuple[str, int, int]]


def text_to_image_protocol(dataset) -> TextToImage:
    """Queries: every caption of every test image (``dataset.query``); gallery:
    the test images (``dataset.gallery``), as CUHK-PEDES is evaluated."""
    items, texts = per_caption(dataset.query)
    return TextToImage([(t, item[1]) for item, t in zip(items, texts)], list(dataset.gallery))


def build_caption_train_loader(cfg):
    """FastReID's train loader over ``cfg.DATASETS.NAMES``: one sample per (image, caption),
    batches with ``caption`` (a list of strings)."""
    items = []
    for name in cfg.DATASETS.NAMES:
        items.extend(DATASET_REGISTRY.get(name)(root=datasets_root(cfg)).train)
    items, texts = per_caption(items)
    return build_reid_train_loader(cfg, train_set=CaptionDataset(items, texts, build_transforms(cfg, is_train=True)))


def build_caption_test_loader(cfg, dataset_name: str, **kwargs):
    """FastReID's test loader of the text-to-image protocol for ``dataset_name``: the
    caption queries first (camid -1), then the gallery images; returns
    ``(loader, num_query)`` as FastReID's builder does."""
    data = DATASET_REGISTRY.get(dataset_name)(root=datasets_root(cfg), **kwargs)
    query_items, texts = per_caption([(path, pid, TEXT_CAMID) for path, pid, _ in data.query])
    gallery = list(data.gallery)
    test_set = CaptionDataset(query_items + gallery, texts + [""] * len(gallery),
                              build_transforms(cfg, is_train=False), relabel=False)
    return build_reid_test_loader(test_set, cfg.TEST.IMS_PER_BATCH, len(query_items),
                                  num_workers=cfg.DATALOADER.NUM_WORKERS)
