"""Clothes changes: outfits, PRCC/LTCC layouts, readers, batches, protocol, attributes."""
from __future__ import annotations

import csv
import os
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import cfat_plugin  # noqa: F401  (compat shims; must come before fastreid)
from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.evaluation.rank import evaluate_rank

from cfat_plugin.data.clothes import (ClothesDataset, build_clothes_test_loader, build_clothes_train_loader,
                                      clothes_of_path)
from cfat_plugin.data.synthetic import SynthSpec, plan_dataset, preset, render_record
from cfat_plugin.data.synthetic.__main__ import main as cli_main
from cfat_plugin.data.synthetic.attributes import image_attributes, pose_bin
from cfat_plugin.data.synthetic.clothes import dressed_identity, sample_biometrics, sample_gender, sample_outfit
from cfat_plugin.data.synthetic.clothes_plan import EXTERNAL_PID
from cfat_plugin.data.synthetic.layouts import ltcc, prcc, record_path
from cfat_plugin.data.synthetic.person import Pose
from cfat_plugin.evaluation.clothes_changing import ClothesEvaluator, evaluate_clothes

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def clothes_root(tmp_path_factory) -> Path:
    """prcc-tiny and ltcc-tiny made by the CLI (1 worker) where the Synth* readers look."""
    root = tmp_path_factory.mktemp("clothes")
    for name in ("prcc-tiny", "ltcc-tiny"):
        assert cli_main(["--out", str(root), "--preset", name, "--workers", "1"]) == 0
    return root


# ---- spec, people, plans --------------------------------------------------------------------

def test_new_spec_fields_default_to_the_market_behaviour():
    spec = SynthSpec()
    assert spec.layout == "market" and spec.outfits_per_id == (1, 1)
    for name in ("prcc", "ltcc", "external"):
        assert SynthSpec.from_dict(preset(name).to_dict()) == preset(name)
    with pytest.raises(ValueError, match="outfits_per_id"):
        SynthSpec(outfits_per_id=(2, 3))
    with pytest.raises(ValueError, match="A, B, C"):
        preset("prcc", num_cameras=4)
    with pytest.raises(ValueError, match="num_distractors"):
        preset("ltcc", num_distractors=3)
    with pytest.raises(ValueError, match="layout"):
        SynthSpec(layout="duke")


def test_outfits_change_clothes_and_keep_the_body():
    a, b = dressed_identity(0, 7, 0, 0.5), dressed_identity(0, 7, 1, 0.5)
    for field in ("height", "build", "head", "leg_ratio", "arm_swing", "skin"):
        assert getattr(a, field) == getattr(b, field)
    assert a.outfit_names()["gender"] == b.outfit_names()["gender"] == sample_gender(0, 7)
    assert (a.outfit_names()["clothes"], b.outfit_names()["clothes"]) == (0, 1)
    assert a != b and dressed_identity(0, 7, 1, 0.5) == b  # outfit k is its own seeded stream


def test_gender_biases_build_hair_and_garments():
    people = {g: [] for g in ("female", "male")}
    for pid in range(400):
        body = sample_biometrics(0, pid)
        people[body["gender"]].append((body, sample_outfit(0, pid, 0, body["gender"])))
    assert min(len(v) for v in people.values()) > 150  # its own fair draw

    def share(g, test):
        return np.mean([test(b, o) for b, o in people[g]])

    assert share("male", lambda b, o: b["build"]) > share("female", lambda b, o: b["build"]) + 0.08
    assert share("female", lambda b, o: b["hair_style"] in ("long", "ponytail")) > 0.5
    assert share("male", lambda b, o: b["hair_style"] in ("long", "ponytail")) < 0.15
    assert share("female", lambda b, o: o["lower_type"] == "skirt") > 0.15
    assert share("male", lambda b, o: o["lower_type"] == "skirt") == 0.0


def test_real_names_parse_as_the_public_readers_parse_them():
    assert prcc.parse_path("/d/prcc/rgb/train/012/C_cropped_rgb105.jpg") == ("train", 12, "C", 105)
    assert prcc.parse_path("prcc/rgb/test/B/301/cropped_rgb7.jpg") == ("test", 301, "B", 7)  # camera: the folder
    assert clothes_of_path("prcc/rgb/val/005/B_cropped_rgb001.jpg") == 0
    assert clothes_of_path("prcc/rgb/test/C/005/whatever.jpg") == 1
    assert ltcc.parse_name("001_1_c11_015792.png") == (1, 1, 11, 15792)
    assert clothes_of_path("LTCC_ReID/query/094_3_c2_001234.png") == 2
    assert ltcc.format_path("gallery", 7, 2, 12, 345) == "LTCC_ReID/test/007_2_c12_000345.png"
    for bad in ("prcc/rgb/train/012/D_cropped_rgb105.jpg", "prcc/rgb/test/A/xyz/a.jpg", "0001_c1s1_000451_03.jpg"):
        with pytest.raises(ValueError, match="PRCC|LTCC"):
            clothes_of_path(bad)


def _planned(name: str):
    """The preset's spec and planned records; every record has a file name of its own."""
    spec = preset(name)
    records = plan_dataset(spec)
    assert len({r.name for r in records}) == len(records)
    return spec, records


def test_prcc_plan_has_the_prcc_shape():
    spec, records = _planned("prcc-tiny")
    by_pid = defaultdict(list)
    for r in records:
        by_pid[r.pid].append(r)
        fields = prcc.parse_path(r.name)
        assert (fields.pid, prcc.CAMERAS.index(fields.cam) + 1) == (r.pid, r.camid)
        assert r.clothes == (1 if fields.cam == "C" else 0) == clothes_of_path(r.name)
        if fields.split == "test":
            assert r.split == ("gallery" if fields.cam == "A" else "query")
        else:
            assert r.split == fields.split
    assert len(by_pid) == spec.num_train_ids + spec.num_test_ids
    for rs in by_pid.values():
        assert {r.camid for r in rs} == {1, 2, 3} and len({r.split for r in rs} - {"query", "gallery"}) <= 1
    splits = {s: {r.pid for r in records if r.split == s} for s in ("train", "val", "query")}
    assert splits["val"] and not (splits["val"] & splits["train"]) and not (splits["val"] & splits["query"])


def test_ltcc_plan_every_query_has_same_and_changed_clothes_matches():
    spec, records = _planned("ltcc-tiny")
    outfits = defaultdict(set)
    for r in records:
        fields = ltcc.parse_name(os.path.basename(r.name))
        assert (fields.pid, fields.clothes - 1, fields.camid) == (r.pid, r.clothes, r.camid)
        assert r.name.startswith(f"{ltcc.ROOT}/{ltcc.SPLIT_DIRS[r.split]}/")
        outfits[r.pid].add(r.clothes)
    lo, hi = spec.outfits_per_id
    assert all(lo <= len(k) <= hi for k in outfits.values())
    gallery = [r for r in records if r.split == "gallery"]
    queries = [r for r in records if r.split == "query"]
    assert queries
    for q in queries:
        others = [g for g in gallery if g.pid == q.pid and g.camid != q.camid]
        assert any(g.clothes == q.clothes for g in others) and any(g.clothes != q.clothes for g in others)


def test_external_set_is_other_people_without_labels():
    records = plan_dataset(preset("external", num_train_ids=5, num_test_ids=3))
    assert {r.split for r in records} == {"train"} and min(r.pid for r in records) > EXTERNAL_PID
    names = sorted(r.name for r in records)
    assert names == [f"external/images/{i:06d}.jpg" for i in range(len(records))]
    assert [r.name for r in records] != names  # shuffled: the order tells nothing


def test_clothes_layout_renders_are_pure():
    spec = preset("ltcc-tiny")
    record = plan_dataset(spec)[3]
    assert np.array_equal(np.asarray(render_record(spec, record)), np.asarray(render_record(spec, record)))


# ---- attributes -----------------------------------------------------------------------------

def test_attributes_follow_the_view_and_the_stride():
    assert pose_bin(0.0) == "feet_together" and pose_bin(np.pi / 2) == "full_stride"
    assert pose_bin(0.6) == "mid_stride"
    ident = dressed_identity(0, 3, 0, 0.5)
    names = dict(ident.outfit, upper_pattern="logo", bag="backpack")
    ident = ident.__class__(**{**ident.__dict__, "outfit": tuple(sorted(names.items()))})
    front = image_attributes(ident, Pose("front", 0.0, 0, 0, 100))
    back = image_attributes(ident, Pose("back", 0.0, 0, 0, 100))
    assert (front["pattern"], back["pattern"]) == ("logo", "solid")
    assert (front["bag"], back["bag"], front["bag_color"]) == ("none", "backpack", "")


# ---- generated folders, readers, batches ----------------------------------------------------

def test_generated_folders_in_the_real_layouts(clothes_root):
    pr = clothes_root / "SynthReID-prcc-tiny-s0"
    assert sorted(p.name for p in (pr / "prcc" / "rgb").iterdir()) == ["test", "train", "val"]
    assert sorted(p.name for p in (pr / "prcc" / "rgb" / "test").iterdir()) == ["A", "B", "C"]
    lt = clothes_root / "SynthReID-ltcc-tiny-s0" / "LTCC_ReID"
    assert {p.name for p in lt.iterdir()} == {"train", "query", "test", "info", "attributes"}
    change = (lt / "info" / "cloth-change_id_test.txt").read_text().split()
    assert change and all(len(p) == 3 for p in change)
    for folder, layout_root, suffix, spec in ((pr, "prcc", ".jpg", preset("prcc-tiny")),
                                              (lt.parent, "LTCC_ReID", ".png", preset("ltcc-tiny"))):
        images = sorted(str(p.relative_to(folder)) for p in (folder / layout_root).rglob(f"*{suffix}"))
        with open(folder / layout_root / "attributes" / "images.csv") as fh:
            rows = list(csv.DictReader(fh))
        assert sorted(r["path"] for r in rows) == images
        assert {r["view"] for r in rows} <= {"front", "back", "left", "right"}
        garments = defaultdict(set)
        for r in rows:
            assert int(r["clothes"]) == clothes_of_path(r["path"])
            garments[r["pid"], r["clothes"]].add((r["upper"], r["upper_color"], r["lower"], r["lower_color"]))
        assert all(len(g) == 1 for g in garments.values())  # an outfit is the same in every image
        with open(folder / layout_root / "attributes" / "identities.csv") as fh:
            genders = {int(r["pid"]): r["gender"] for r in csv.DictReader(fh)}
        assert genders == {p: sample_gender(0, p) for p in genders}
        assert len(genders) == spec.num_train_ids + spec.num_test_ids
        sheet = Image.open(folder / "contact_sheet.png")
        assert sheet.width > 3 * 72 and sheet.height > 12 * 100


def test_readers_carry_ids_cameras_and_clothes(clothes_root):
    pr = DATASET_REGISTRY.get("SynthPRCC")(root=str(clothes_root), preset="prcc-tiny")
    spec = preset("prcc-tiny")
    records = plan_dataset(spec)
    assert len(pr.train) == sum(r.split == "train" for r in records)
    assert len(pr.query) == sum(r.split == "query" for r in records)
    assert {c for _, _, c in pr.gallery} == {0} and {c for _, _, c in pr.query} == {1, 2}
    changed = DATASET_REGISTRY.get("SynthPRCC")(root=str(clothes_root), preset="prcc-tiny", query="changed")
    assert {c for _, _, c in changed.query} == {2} and all(clothes_of_path(p) == 1 for p, _, _ in changed.query)
    real = DATASET_REGISTRY.get("PRCC")(root=str(clothes_root / "SynthReID-prcc-tiny-s0"))
    assert [p for p, _, _ in real.gallery] == [p for p, _, _ in pr.gallery]  # the same reader

    lt = DATASET_REGISTRY.get("SynthLTCC")(root=str(clothes_root), preset="ltcc-tiny")
    by_path = {record_path("ltcc", r): r for r in plan_dataset(preset("ltcc-tiny"))}
    for items, split in ((lt.query, "query"), (lt.gallery, "gallery")):
        assert len(items) == sum(r.split == split for r in by_path.values())
        for path, pid, camid in items:
            rec = by_path[str(Path(path).relative_to(clothes_root / "SynthReID-ltcc-tiny-s0"))]
            assert (pid, camid, clothes_of_path(path)) == (rec.pid, rec.camid - 1, rec.clothes)
    assert all(pid.startswith("synthltcc_") for _, pid, _ in lt.train)


def _cfg(root: Path, tmp_path: Path, name: str):
    from cfat_plugin.engine import load_config

    return load_config(str(REPO_ROOT / "configs" / "CUHK01" / "baseline_R18_cpu.yml"), [
        "DATASETS.ROOT", str(root), "DATASETS.NAMES", f"('{name}',)", "DATASETS.TESTS", f"('{name}',)",
        "OUTPUT_DIR", str(tmp_path / "out"), "INPUT.SIZE_TRAIN", "[64, 32]", "INPUT.SIZE_TEST", "[64, 32]",
        "SOLVER.IMS_PER_BATCH", "16", "DATALOADER.NUM_INSTANCE", "4", "DATALOADER.NUM_WORKERS", "0",
        "TEST.IMS_PER_BATCH", "32",
        # the tests' size of the generated set the reader makes
        f"DATASETS.SYNTHREID.PRESET.{name[5:].upper()}", f"{name[5:].lower()}-tiny",
    ])


@pytest.mark.parametrize("name", ["SynthLTCC", "SynthPRCC"])
def test_clothes_ids_reach_the_fastreid_batches_and_the_evaluator(clothes_root, tmp_path, name):
    from cfat_plugin.engine import apply_runtime_config

    cfg = _cfg(clothes_root, tmp_path, name)
    apply_runtime_config(cfg)  # the tiny preset (DATASETS.SYNTHREID.PRESET) for readers built from their root
    loader = build_clothes_train_loader(cfg)
    assert isinstance(loader.dataset, ClothesDataset)
    batch = next(iter(loader))
    assert batch["images"].shape[0] == 16 and batch["clothes"].shape == (16,)
    data = loader.dataset
    pairs = {(data.pid_dict[item[1]], clothes_of_path(item[0])) for item in data.img_items}
    assert data.num_clothes == len(pairs) > data.num_classes  # one class per (identity, outfit)
    for path, target, clothes in zip(batch["img_paths"], batch["targets"], batch["clothes"]):
        index = [i[0] for i in data.img_items].index(path)
        assert data.clothes[index] == int(clothes) and data.pid_dict[data.img_items[index][1]] == int(target)

    test_loader, num_query = build_clothes_test_loader(cfg, name)
    evaluator = ClothesEvaluator(cfg, num_query)
    seen = 0
    for batch in test_loader:
        assert torch.equal(batch["clothes"], torch.tensor([clothes_of_path(p) for p in batch["img_paths"]]))
        # a feature that knows the identity and, faintly, the clothes: perfect ranking in every setting
        feats = torch.nn.functional.one_hot(batch["targets"].long(), 64).float()
        feats[:, -1] = 0.01 * batch["clothes"].float()
        evaluator.process(batch, feats)
        seen += len(batch["targets"])
    assert seen == len(test_loader.dataset)
    results = evaluator.evaluate()
    assert results["cc_mAP"] == pytest.approx(100.0) and results["mAP"] == pytest.approx(100.0)
    assert 0 < results["cc_num_query"] <= num_query


# ---- the clothes-changing protocol ----------------------------------------------------------

def test_clothes_changing_protocol_on_a_hand_computed_case():
    # query 0: pid 1, cam 0, clothes 0.  query 1: pid 2, cam 0, clothes 0.
    # gallery: g0 pid 1 cam 0 clothes 0 (same camera: junk in every setting)
    #          g1 pid 1 cam 1 clothes 0 (same clothes, other camera)
    #          g2 pid 1 cam 2 clothes 1 (changed clothes, other camera)
    #          g3 pid 2 cam 1 clothes 0
    # q0 ranks g0 (0.1), g3 (0.2), g1 (0.3), g2 (0.4):
    #   standard: g3 x, g1 v, g2 v -> AP = (1/2 + 2/3) / 2 = 7/12, first hit at rank 2
    #   clothes-changing (g1 junk too): g3 x, g2 v -> AP = 1/2, first hit at rank 2
    #   same clothes (g2 junk too): g3 x, g1 v -> AP = 1/2
    # q1 ranks g3 (0.5) first: AP 1 in standard and same-clothes; its only match g3 wears the
    #   query's clothes, so in the clothes-changing setting q1 has no match and is skipped.
    dist = np.array([[0.1, 0.3, 0.4, 0.2], [0.6, 0.7, 0.8, 0.5]])
    args = (np.array([1, 2]), np.array([1, 1, 1, 2]), np.array([0, 0]), np.array([0, 1, 2, 1]),
            np.array([0, 0]), np.array([0, 0, 1, 0]))
    std = evaluate_clothes(dist, *args, setting="standard")
    assert std["mAP"] == pytest.approx((7 / 12 + 1) / 2) and std["num_valid"] == 2
    assert list(std["cmc"][:2]) == [0.5, 1.0]
    cc = evaluate_clothes(dist, *args, setting="clothes_changing")
    assert cc["mAP"] == pytest.approx(0.5) and cc["num_valid"] == 1 and list(cc["cmc"][:2]) == [0.0, 1.0]
    sc = evaluate_clothes(dist, *args, setting="same_clothes")
    assert sc["mAP"] == pytest.approx(0.75) and list(sc["cmc"][:2]) == [0.5, 1.0]
    # the standard setting is FastReID's own ranking
    cmc, aps, _ = evaluate_rank(dist, *args[:4], max_rank=3, use_cython=False)
    assert np.mean(aps) == pytest.approx(std["mAP"]) and np.allclose(cmc, std["cmc"][:3])
    with pytest.raises(ValueError, match="setting"):
        evaluate_clothes(dist, *args, setting="other")


def test_run_clothes_evaluation_splits_prcc_queries_into_its_two_settings(clothes_root, tmp_path, monkeypatch,
                                                                        one_torch_thread):
    from cfat_plugin.engine.trainer import ReIDTrainer
    from cfat_plugin.evaluation.clothes_changing import run_clothes_evaluation

    from cfat_plugin.engine import apply_runtime_config

    cfg = _cfg(clothes_root, tmp_path, "SynthPRCC")
    apply_runtime_config(cfg)
    cfg.MODEL.BACKBONE.PRETRAIN = False
    results = run_clothes_evaluation(cfg, ReIDTrainer.build_model(cfg))["SynthPRCC"]
    num_query = sum(r.split == "query" for r in plan_dataset(preset("prcc-tiny")))
    # B queries match only outfit 0 in A (same clothes), C queries only other clothes
    assert results["num_query"] == results["sc_num_query"] + results["cc_num_query"] == num_query
    assert all(0.0 <= results[k] <= 100.0 for k in ("mAP", "cc_mAP", "sc_mAP", "cc_Rank-1"))


def test_market_reader_refuses_a_clothes_preset_with_the_readers_to_use(tmp_path):
    with pytest.raises(ValueError, match="SynthPRCC"):
        DATASET_REGISTRY.get("SynthReID")(root=str(tmp_path), preset="prcc-tiny")
    assert not any(tmp_path.iterdir())  # nothing generated
