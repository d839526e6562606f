"""The caption oracle: text-to-image scores from the facts captions name, against hand-computed ranks."""
from __future__ import annotations

import json

import pytest
import torch

from cfat_plugin.cffa.caption_oracle import (comparable_facts, fact_similarity, identities_sharing,
                                             load_test_split, oracle_scores, tie_broken_metrics)
from cfat_plugin.data.synthetic import generate, preset
from cfat_plugin.data.synthetic.captions import caption_facts, describe
from cfat_plugin.data.synthetic.clothes import dressed_identity
from cfat_plugin.data.synthetic.layouts import pedes
from cfat_plugin.data.synthetic.person import Pose
from cfat_plugin.data.synthetic.rng import stream

# Three gallery images, two people; three captions naming known facts.
GALLERY = [{"a": "x", "b": "y", "c": "z"},  # g0, pid 1
           {"a": "x", "b": "w", "c": "v"},  # g1, pid 1
           {"a": "x", "b": "y", "c": "v"}]  # g2, pid 2
G_PIDS = torch.tensor([1, 1, 2])
QUERIES = [{"a": "x", "b": "y", "c": "z"},  # q0, pid 1: g0 3, g2 2, g1 1 -> + - +
           {"b": "y", "c": "v"},  # q1, pid 2: g2 2, g0 1, g1 1 -> + - -
           {"b": "y", "c": "z"}]  # q2, pid 2: g0 2, g2 1, g1 0 -> - + -
Q_PIDS = torch.tensor([1, 2, 2])


def test_similarity_counts_the_named_facts_an_image_has():
    assert fact_similarity(QUERIES, GALLERY).tolist() == [[3, 1, 2], [1, 1, 2], [2, 0, 1]]
    assert fact_similarity([{}], GALLERY).tolist() == [[0, 0, 0]]  # naming nothing matches nothing
    assert fact_similarity([{"d": "x"}], GALLERY).tolist() == [[0, 0, 0]]  # a fact the images lack


def test_ranks_and_map_match_the_hand_computed_ones():
    # q0: positives at ranks 1 and 3 -> AP (1/1 + 2/3) / 2 = 5/6, hardest positive at 3 -> INP 2/3
    # q1: its one positive first -> AP 1, INP 1 (its tie, g0 / g1, is between negatives)
    # q2: its one positive second -> AP 1/2, INP 1/2, no R1
    # mAP (5/6 + 1 + 1/2) / 3 = 7/9; R1 2/3; R5 = R10 = 1; mINP (2/3 + 1 + 1/2) / 3 = 13/18
    scores = tie_broken_metrics(fact_similarity(QUERIES, GALLERY), Q_PIDS, G_PIDS)
    assert scores["mAP"] == pytest.approx(100 * 7 / 9, abs=1e-4)
    assert scores["R1"] == pytest.approx(100 * 2 / 3, abs=1e-4)
    assert scores["R5"] == scores["R10"] == pytest.approx(100.0)
    assert scores["mINP"] == pytest.approx(100 * 13 / 18, abs=1e-4)


def test_ties_are_broken_at_random_not_in_gallery_order():
    # One positive (first in the gallery) among four equal scores: R1 1/4 and AP (1 + 1/2 + 1/3 + 1/4) / 4
    # on average; breaking ties in gallery order would give 100 for both.
    scores = tie_broken_metrics(torch.zeros(1, 4), torch.tensor([7]), torch.tensor([7, 1, 2, 3]), draws=400)
    assert scores["R1"] == pytest.approx(25.0, abs=6)
    assert scores["mAP"] == pytest.approx(100 * (1 + 1 / 2 + 1 / 3 + 1 / 4) / 4, abs=5)


def test_identities_sharing_all_named_facts():
    queries = QUERIES + [{"a": "x"}, {"b": "w"}]
    sizes = torch.tensor([float(len(q)) for q in queries])
    shared = identities_sharing(fact_similarity(queries, GALLERY), sizes, G_PIDS)
    assert shared.tolist() == [1, 1, 1, 2, 1]  # "a: x" fits both people; q2 fits only the wrong one, pid 1


def test_an_image_is_compared_as_captions_word_it():
    facts = {"view": "left", "pose": "mid_stride", "hair": "long", "logo_shape": "", "upper": "tee"}
    assert comparable_facts(facts) == {"view": "side", "hair": "long", "upper": "tee"}


def test_describe_records_what_it_names_without_changing_the_words():
    ident = dressed_identity(0, 3, 0, 0.5)
    facts = caption_facts(ident, Pose("back", 0.0, 0, 0, 100))
    always = {"upper", "upper_color", "lower", "lower_color"}
    for k in range(20):
        named: dict = {}
        assert describe(facts, stream(0, 99, k), 0.3, named) == describe(facts, stream(0, 99, k), 0.3)
        assert always <= set(named) and all(facts[key] == v for key, v in named.items() if key != "view")
        terse: dict = {}
        describe(facts, stream(0, 99, k), 1.0, terse)  # all dropped but the garments (and gender half the time)
        assert always <= set(terse) <= always | {"gender"}
        full: dict = {}
        describe(facts, stream(0, 99, k), 0.0, full)  # nothing dropped: all that shows, the view half the time
        expected = {key for key, v in comparable_facts(facts).items()
                    if key != "view" and not (key == "pattern" and v == "solid") and not (key == "bag" and v == "none")}
        assert set(full) - {"view"} == expected


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oracle") / "SynthReID-pedes-tiny-s0"
    generate(preset("pedes-tiny"), folder, workers=1, progress=False, contact_sheet=False)
    return folder


def test_generated_captions_beat_chance_and_stay_under_the_ceiling(tiny_folder):
    split = load_test_split(tiny_folder)
    assert len(set(split.image_pids)) == preset("pedes-tiny").num_test_ids
    assert len(split.named) == 2 * len(split.image_pids)
    scores = oracle_scores(split)
    caption, ceiling, chance = scores["caption facts"], scores["all facts (ceiling)"], scores["chance"]
    assert chance["mAP"] + 20 < caption["mAP"] <= ceiling["mAP"]
    assert 1 <= caption["ids sharing"] <= chance["ids sharing"] == len(set(split.image_pids))
    assert ceiling["facts"] > caption["facts"] > 4  # the garments (4 facts) are always named, and more


def test_captions_from_another_grammar_are_refused(tiny_folder, tmp_path):
    import shutil

    copy = tmp_path / tiny_folder.name
    shutil.copytree(tiny_folder, copy)
    path = copy / pedes.ROOT / pedes.ANNOTATIONS
    records = json.loads(path.read_text())
    test = next(r for r in records if r["split"] == "test")
    test["captions"][0] = "A person in a red coat."
    path.write_text(json.dumps(records))
    with pytest.raises(ValueError, match="not this grammar's"):
        load_test_split(copy)
