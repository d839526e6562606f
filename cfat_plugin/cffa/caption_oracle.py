"""Whether SynthPEDES captions say enough to tell people apart, scored with no learned model.

A text-to-image model can only learn to find a person from what the captions say. This oracle ranks the
test images for each test caption by how many of the facts the caption names agree with the image's true
attributes, and scores the ranking with CFFA's own evaluator (:func:`.evaluation.rank_metrics`), so its
figures sit beside CFFA's tables. The named facts are the grammar's own record of what it chose to say
(``named`` of :func:`~cfat_plugin.data.synthetic.captions.describe`, replayed from the caption streams and
checked against the captions on disk), not a parse of the words; an image's facts are the generator's
:func:`~cfat_plugin.data.synthetic.captions.caption_facts` (its view as the words give it, the pose bin
left out: no caption names it). Two references: every fact of the caption's own image against each
gallery image (what a caption naming everything could give: the ceiling) and no facts (chance). Integer
scores tie often; ties are broken by a jitter in [0, 0.5) drawn with a fixed seed, averaged over a few draws.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import torch
from tabulate import tabulate

from ..data.synthetic import SynthSpec, plan_dataset, read_manifest
from ..data.synthetic.captions import caption_facts, image_captions, worded_view
from ..data.synthetic.clothes import dressed_identity
from ..data.synthetic.clothes_plan import draw_seed
from ..data.synthetic.layouts import pedes
from ..data.synthetic.person import Pose
from ..evaluation.fact_agreement import fact_agreement
from .evaluation import METRICS, rank_metrics

ROWS = ("caption facts", "all facts (ceiling)", "chance")
DRAWS = 5  # tie-breaking draws averaged
JITTER_SEED = 0


@dataclass(frozen=True)
class TestSplit:
    """The test images (the gallery) with their facts, and the test captions with the facts each names."""

    image_pids: List[int]
    image_facts: List[Dict[str, str]]
    caption_pids: List[int]
    caption_images: List[int]  # the gallery index of each caption's own image
    named: List[Dict[str, str]]


def comparable_facts(facts: Dict[str, str]) -> Dict[str, str]:
    """An image's facts as a caption could name them: view worded (left and right both "side"), no pose
    bin, nothing invisible (empty values)."""
    out = {k: v for k, v in facts.items() if v and k != "pose"}
    out["view"] = worded_view(facts["view"])
    return out


def load_test_split(folder: str | Path) -> TestSplit:
    """The test split of a generated SynthPEDES folder (the one holding ``synthreid.json``).

    Views come from ``attributes/images.csv`` (the renderer's draw); everything else is rebuilt from the
    spec in the manifest, and the replayed captions must equal ``reid_raw.json``'s, or this raises.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        raise FileNotFoundError(f"{folder} holds no generated SynthReID set")
    spec = SynthSpec.from_dict(manifest["spec"])
    if spec.layout != "pedes":
        raise ValueError(f"{folder} is in the {spec.layout} layout; the caption oracle needs pedes")
    root = folder / pedes.ROOT
    with open(root / "attributes" / "images.csv", newline="") as fh:
        views = {row["path"]: row["view"] for row in csv.DictReader(fh)}
    captions = {rec["file_path"]: rec["captions"] for rec in pedes.read_annotations(str(root / pedes.ANNOTATIONS))}
    prefix = f"{pedes.ROOT}/{pedes.IMAGES}/"
    image_pids, image_facts, caption_pids, caption_images, named = [], [], [], [], []
    for record in (r for r in plan_dataset(spec) if r.split == "test"):
        ident = dressed_identity(draw_seed(spec), record.pid, record.clothes, spec.difficulty)
        facts = caption_facts(ident, Pose(views[record.name], 0.0, 0.0, 0.0, 0.0))
        said: List[Dict[str, str]] = []
        replayed = image_captions(spec.seed, record.pid, record.camid, record.index, facts, spec.caption_dropout,
                                  named=said)
        if replayed != captions[record.name[len(prefix):]]:
            raise ValueError(f"{record.name}: its captions on disk are not this grammar's; regenerate {folder}")
        for named_facts in said:
            caption_pids.append(record.pid)
            caption_images.append(len(image_facts))
            named.append(named_facts)
        image_pids.append(record.pid)
        image_facts.append(comparable_facts(facts))
    return TestSplit(image_pids, image_facts, caption_pids, caption_images, named)


def fact_similarity(queries: List[Dict[str, str]], gallery: List[Dict[str, str]]) -> torch.Tensor:
    """Queries x gallery: how many of each query's facts the gallery item has, with the same value."""
    return torch.from_numpy(fact_agreement(queries, gallery)).float()


def tie_broken_metrics(sim: torch.Tensor, q_pids: torch.Tensor, g_pids: torch.Tensor, draws: int = DRAWS,
                       seed: int = JITTER_SEED) -> Dict[str, float]:
    """:func:`.evaluation.rank_metrics` averaged over ``draws`` random orders of tied items (a jitter in
    [0, 0.5) keeps every integer score's order and shuffles only equal scores)."""
    gen = torch.Generator().manual_seed(seed)
    runs = [rank_metrics(sim + 0.5 * torch.rand(sim.shape, generator=gen), q_pids, g_pids) for _ in range(draws)]
    return {m: sum(r[m] for r in runs) / draws for m in METRICS}


def identities_sharing(sim: torch.Tensor, sizes: torch.Tensor, g_pids: torch.Tensor) -> torch.Tensor:
    """Per query, how many gallery identities have an image agreeing on all ``sizes`` of its facts."""
    full = (sim == sizes[:, None]).float()
    images_of = (g_pids[:, None] == torch.unique(g_pids)[None, :]).float()  # gallery x identities
    return ((full @ images_of) > 0).sum(1)


def oracle_scores(split: TestSplit, draws: int = DRAWS) -> Dict[str, Dict[str, float]]:
    """One row per :data:`ROWS`: R1/R5/R10/mAP/mINP, facts per query, and identities sharing them all."""
    g_pids, q_pids = torch.tensor(split.image_pids), torch.tensor(split.caption_pids)
    own = [split.image_facts[i] for i in split.caption_images]
    queries = {"caption facts": split.named, "all facts (ceiling)": own, "chance": [{} for _ in own]}
    out = {}
    for row, facts in queries.items():
        sim = fact_similarity(facts, split.image_facts)
        sizes = torch.tensor([len(f) for f in facts], dtype=torch.float)
        sharing = identities_sharing(sim, sizes, g_pids).float()
        out[row] = {**tie_broken_metrics(sim, q_pids, g_pids, draws), "facts": sizes.mean().item(),
                    "ids sharing": sharing.mean().item(), "singled out": 100 * (sharing == 1).float().mean().item()}
    return out


def oracle_table(scores: Dict[str, Dict[str, float]]) -> str:
    """A markdown table of :func:`oracle_scores`."""
    columns = list(METRICS) + ["facts", "ids sharing", "singled out"]
    rows = [[row] + [f"{values[c]:.2f}" for c in columns] for row, values in scores.items()]
    headers = ["query"] + list(METRICS) + ["facts / query", "ids sharing all", "singled out %"]
    return tabulate(rows, headers=headers, tablefmt="pipe")
