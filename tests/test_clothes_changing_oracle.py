"""The clothes-changing oracle: retrieval by persistent cues, against hand-computed ranks and on ltcc-tiny."""
from __future__ import annotations

import pytest

from cfat_plugin.data.synthetic import generate, preset
from cfat_plugin.data.synthetic.clothes import num_outfits
from cfat_plugin.rlq.clothes_changing_oracle import (PERSISTENT, OracleImage, agreement, body_bin, ceiling,
                                                     lookalikes, person_cues, read_test_split, score)

KEYS = ("gender", "skin", "hair_style")


def _img(pid: int, camid: int, clothes: int, gender: str, skin: int, hair: str) -> OracleImage:
    return OracleImage(pid, camid, clothes, {"gender": gender, "skin": skin, "hair_style": hair})


# Gallery: g0 pid 1 clothes 0 cam 1 (the query q0's clothes: junk for q0 in cc);
# g1 pid 1 clothes 1 cam 1 in a cap; g2 pid 2; g3 pid 3; g4 pid 1 clothes 2 in q0's camera (junk for q0).
GALLERY = [_img(1, 1, 0, "f", 0, "long"), _img(1, 1, 1, "f", 0, "cap"), _img(2, 1, 0, "f", 0, "long"),
           _img(3, 2, 0, "m", 1, "short"), _img(1, 0, 2, "f", 0, "long")]
# q0 pid 1 clothes 0 cam 0: agreements g0..g4 = 3 2 3 0 3; g0 and g4 junk, kept ranking g2 (3, -),
#   g1 (2, +), g3 (0, -): AP = 1/2, Rank-1 miss.
# q1 pid 3 clothes 1 cam 1: agreements 0 0 0 3 0; g3 (3, +) first: AP = 1, Rank-1 hit.
# cc mAP = (1/2 + 1) / 2 = 75 %, Rank-1 = 50 %; ranking by disagreement instead would give
# q0 g3 (-), g1 (+), g2 (-): 1/2 and q1 g3 last of five: 1/5, so mAP 35 % and Rank-1 0.
QUERY = [_img(1, 0, 0, "f", 0, "long"), _img(3, 1, 1, "m", 1, "short")]


def test_agreement_counts_equal_cues():
    assert agreement(QUERY, GALLERY, KEYS).tolist() == [[3, 2, 3, 0, 3], [0, 0, 0, 3, 0]]


def test_hand_built_clothes_changing_map():
    res = score(QUERY, GALLERY, KEYS, "clothes_changing", tie_seeds=range(5))
    assert res["mAP"] == pytest.approx(75.0) and res["Rank-1"] == pytest.approx(50.0)
    assert res["mAP_std"] == 0.0 and res["num_query"] == 2  # no tie touches a true match: every draw agrees


def test_chance_breaks_all_ties_at_random():
    # q0 in the same-clothes setting: g0 the one match among g0, g2, g3 (g1 other clothes, g4 same
    # camera); with no cues its rank is uniform over 1..3, expected AP (1 + 1/2 + 1/3) / 3 = 11/18.
    res = score(QUERY[:1], GALLERY, (), "same_clothes", tie_seeds=range(2000))
    assert res["mAP"] == pytest.approx(100 * 11 / 18, abs=3.0) and res["mAP_std"] > 0


def test_lookalikes_count_other_identities_sharing_every_cue():
    # pid 1 (capped in one outfit: its uncapped cues count) and pid 2 agree; pid 3 shares nothing
    assert lookalikes(GALLERY, KEYS) == pytest.approx((1 + 1 + 0) / 3)


def test_persistent_cues_survive_a_change_of_clothes_but_a_cap():
    spec = preset("ltcc")
    for pid in range(1, 30):
        cues = [person_cues(spec.seed, pid, k, spec.difficulty)
                for k in range(num_outfits(spec.seed, pid, spec.outfits_per_id))]
        uncapped = [c for c in cues if c["hair_style"] != "cap"]
        assert all({k: v for k, v in c.items() if k != "hair_style"} ==
                   {k: v for k, v in cues[0].items() if k != "hair_style"} for c in cues)
        assert len({c["hair_style"] for c in uncapped}) <= 1
    assert body_bin("height", 0.86) == 0 and body_bin("height", 1.0) == 2 and body_bin("build", 1.16) == 2 and body_bin("build", 0.9) == 0


def test_oracle_on_ltcc_tiny_beats_chance(tmp_path):
    spec = preset("ltcc-tiny")
    folder = tmp_path / "ltcc-tiny"
    generate(spec, folder, workers=1, progress=False, contact_sheet=False)
    query, gallery = read_test_split(str(folder), spec)
    assert {t.pid for t in query} == {t.pid for t in gallery} and len(query) >= 6
    rows = {(r["cues"], r["setting"]): r for r in ceiling(query, gallery, range(3))["table"]}
    chance = rows["chance", "clothes_changing"]["mAP"]
    assert rows["persistent", "clothes_changing"]["mAP"] > chance
    assert rows["all", "same_clothes"]["mAP"] == pytest.approx(100.0)  # outfit + body: nobody else looks alike
    assert set(PERSISTENT) <= set(query[0].cues)
