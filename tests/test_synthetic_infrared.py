"""SynthReID's infrared modality and the SYSU-MM01 / RegDB layouts, readers and protocol."""
from __future__ import annotations

import dataclasses
import hashlib
import os
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import cfat_plugin  # noqa: F401  (compat shims; must come before fastreid)
from fastreid.data.datasets import DATASET_REGISTRY

from cfat_plugin.data.modality import INFRARED, VISIBLE, ModalityDataset
from cfat_plugin.data.synthetic import CONTACT_SHEET, generate, plan_dataset, preset, read_manifest, render_record
from cfat_plugin.data.synthetic.__main__ import main as cli_main
from cfat_plugin.data.synthetic.identity import CLOTH_PALETTE, sample_identity
from cfat_plugin.data.synthetic.infrared import CLOTH_NIR, cloth_nir, nir_identity
from cfat_plugin.data.synthetic.layouts import regdb, sysu
from cfat_plugin.evaluation.cross_modality import evaluate_sysu

TINY = preset("tiny")
# Small enough to generate in a few seconds, large enough for every camera and id list.
SYSU_SMALL = ["--train-ids", "8", "--test-ids", "6", "--images-per-camera", "1", "2"]
REGDB_SMALL = ["--train-ids", "4", "--test-ids", "4", "--images-per-camera", "2", "2"]


def _hashes(folder: Path, pattern: str = "*.jpg") -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob(pattern))}


@pytest.fixture(scope="module")
def vi_root(tmp_path_factory) -> Path:
    """Small SYSU-MM01- and RegDB-shaped sets made by the CLI under their real folder names, and
    visible as ``SynthReID-<preset>-s0`` to the generating readers."""
    root = tmp_path_factory.mktemp("vi")
    for name, args in (("SYSU-MM01", ["--preset", "sysu"] + SYSU_SMALL),
                       ("RegDB", ["--preset", "regdb"] + REGDB_SMALL)):
        assert cli_main(["--out", str(root), "--name", name, "--workers", "1"] + args) == 0
    os.symlink(root / "SYSU-MM01", root / "SynthReID-sysu-s0")
    os.symlink(root / "RegDB", root / "SynthReID-regdb-s0")
    return root


# ---- materials and rendering ----------------------------------------------------------------

def test_nir_responses_are_not_a_greyscale_of_the_colours():
    names = sorted(CLOTH_NIR)
    rgb = np.array([CLOTH_PALETTE[n][0] for n in names], dtype=float)
    nir = np.array([cloth_nir(n, CLOTH_PALETTE[n][0])[0] for n in names], dtype=float)
    design = np.hstack([rgb, np.ones((len(names), 1))])  # the best affine map of the RGB, bias included
    residual = nir - design @ np.linalg.lstsq(design, nir, rcond=None)[0]
    assert np.sqrt(np.mean(residual ** 2)) > 15  # grey levels: no weighting of R, G, B explains it
    grey = {n: cloth_nir(n, CLOTH_PALETTE[n][0])[0] for n in names}
    lum = {n: np.array(CLOTH_PALETTE[n][0]) @ np.array([0.299, 0.587, 0.114]) for n in names}
    for dark, light in (("black", "green"), ("blue", "grey"), ("maroon", "denim")):  # order inverted in the NIR
        assert lum[dark] < lum[light] and grey[dark] > grey[light]


def test_nir_identity_greys_every_material_by_name():
    ident = sample_identity(0, 7, 0.5)
    ir = nir_identity(ident)
    names = ident.outfit_names()
    for field in ("skin", "hair_color", "upper_color", "lower_color", "shoe_color", "bag_color"):
        value = getattr(ir, field)
        assert value[0] == value[1] == value[2]
    assert ir.upper_color == cloth_nir(names["upper_color"], ident.upper_color)
    assert (ir.height, ir.build, ir.upper_pattern) == (ident.height, ident.build, ident.upper_pattern)
    with pytest.raises(ValueError, match="palette names"):
        nir_identity(dataclasses.replace(ident, outfit=()))


def test_ir_camera_renders_grey_with_falloff_and_leaves_rgb_cameras_alone():
    spec = TINY.replace(ir_cameras=(2,))
    records = [r for r in plan_dataset(spec) if r.kind == "person"]
    assert {r.modality for r in records if r.camid == 2} == {"infrared"}
    assert {r.modality for r in records if r.camid != 2} == {"visible"}
    ir_rec = next(r for r in records if r.camid == 2)
    ir = np.asarray(render_record(spec, ir_rec)).astype(int)
    assert (ir[..., 0] == ir[..., 1]).all() and (ir[..., 1] == ir[..., 2]).all()
    visible = np.asarray(render_record(TINY, ir_rec)).astype(float)
    assert not np.array_equal(ir, visible)
    # active illumination: the border of the crop is darker than its centre, on average over frames
    ratios = []
    for rec in [r for r in records if r.camid == 2][:6]:
        img = np.asarray(render_record(spec, rec))[..., 0].astype(float)
        h, w = img.shape
        centre = img[h // 3: 2 * h // 3, w // 3: 2 * w // 3].mean()
        border = np.concatenate([img[: h // 8].ravel(), img[-h // 8:].ravel()]).mean()
        ratios.append(border / centre)
    assert np.mean(ratios) < 0.9
    # the IR image is not a greyscale of the RGB one: a linear fit of one on the other leaves much unexplained
    grey = visible @ np.array([0.299, 0.587, 0.114])
    fit = np.polyfit(grey.ravel(), ir[..., 0].ravel().astype(float), 1)
    residual = ir[..., 0] - np.polyval(fit, grey)
    assert residual.std() > 0.3 * ir[..., 0].std()


def test_rgb_cameras_are_byte_identical_with_and_without_ir_cameras(tmp_path):
    generate(TINY, tmp_path / "rgb", workers=1, progress=False, contact_sheet=False)
    generate(TINY.replace(ir_cameras=(2,)), tmp_path / "ir", workers=1, progress=False, contact_sheet=False)
    rgb, ir = _hashes(tmp_path / "rgb"), _hashes(tmp_path / "ir")
    assert rgb.keys() == ir.keys()
    same = {name for name in rgb if rgb[name] == ir[name]}
    cam2 = {name for name in rgb if "_c2s" in name}
    assert cam2 and same == set(rgb) - cam2  # every camera-1/3 file equal, every camera-2 file changed


@pytest.mark.parametrize("change, words", [
    ({"ir_cameras": (4,)}, "ir_cameras"),
    ({"ir_cameras": (2, 1)}, "ir_cameras"),
    ({"ir_cameras": (1, 2, 3)}, "visible"),
    ({"layout": "cuhk"}, "layout"),
    ({"layout": "sysu", "ir_cameras": (3,)}, "distractors"),
    ({"layout": "sysu", "num_distractors": 0, "num_junk": 0}, "ir_cameras"),
])
def test_spec_rejects_bad_ir_knobs(change, words):
    with pytest.raises(ValueError, match=words):
        TINY.replace(**change)
    assert preset("sysu").replace(seed=4).to_dict()["ir_cameras"] == [3, 6]


# ---- SYSU-MM01 layout and protocol --------------------------------------------------------------

def test_sysu_layout_is_the_real_one(vi_root):
    folder = vi_root / "SYSU-MM01"
    spec = read_manifest(folder)["spec"]
    assert spec["layout"] == "sysu" and spec["ir_cameras"] == [3, 6]
    ids = {s: sysu.read_ids(folder / sysu.id_file(s)) for s in sysu.ID_SPLITS}
    assert (folder / "exp" / "train_id.txt").read_text().count("\n") == 1  # one comma-separated line
    assert len(ids["test"]) == 6 and len(ids["train"]) + len(ids["val"]) == 8 and len(ids["val"]) == 2
    assert sorted(sum(ids.values(), [])) == list(range(1, 15))
    cams_of = defaultdict(set)
    for path in folder.rglob("*.jpg"):
        cam, pid, number = sysu.parse_path(str(path))
        assert path.relative_to(folder).as_posix() == sysu.image_path(cam, pid, number)
        cams_of[pid].add(cam)
    assert sorted(cams_of) == list(range(1, 15))
    for cams in cams_of.values():  # both modalities for everyone, min_cameras_per_id cameras at least
        assert cams & {3, 6} and cams & {1, 2, 4, 5} and len(cams) >= 3
    with Image.open(next((folder / "cam3").rglob("*.jpg"))) as im:
        assert im.format == "JPEG"
    assert Image.open(folder / CONTACT_SHEET).width > 6 * 64
    with pytest.raises(ValueError, match="SYSU-MM01"):
        sysu.parse_path("cam3/12/0001.jpg")


def test_sysu_query_gallery_split_on_a_hand_checked_case():
    items = [("cam3/0001/0001.jpg", 1, 3), ("cam6/0001/0001.jpg", 1, 6), ("cam6/0002/0001.jpg", 2, 6),
             ("cam1/0001/0001.jpg", 1, 1), ("cam1/0001/0002.jpg", 1, 1), ("cam1/0001/0003.jpg", 1, 1),
             ("cam2/0001/0001.jpg", 1, 2), ("cam4/0002/0001.jpg", 2, 4), ("cam4/0002/0002.jpg", 2, 4),
             ("cam5/0002/0001.jpg", 2, 5)]
    query, gallery = sysu.split_query_gallery(items, "all", trial=1)
    assert query == sorted(items[:3])  # every IR image, none of the visible ones
    assert sorted((pid, cam) for _, pid, cam in gallery) == [(1, 1), (1, 2), (2, 4), (2, 5)]  # one per id and camera
    assert set(gallery) <= set(items)
    indoor_q, indoor_g = sysu.split_query_gallery(items, "indoor", trial=1)
    assert indoor_q == query and sorted((pid, cam) for _, pid, cam in indoor_g) == [(1, 1), (1, 2)]
    assert sysu.split_query_gallery(items[::-1], "all", trial=1) == (query, gallery)  # order does not matter
    draws = {sysu.split_query_gallery(items, "all", trial=t)[1][0][0] for t in range(1, 11)}
    assert len(draws) > 1 and draws <= {p for p, pid, cam in items if (pid, cam) == (1, 1)}  # redrawn per trial
    with pytest.raises(ValueError, match="indoor"):
        sysu.split_query_gallery(items, "outdoor")


def test_sysu_metric_leaves_camera_2_out_for_camera_3_queries():
    # gallery: pid 1 in camera 2 (nearest), pid 1 in camera 1 (farthest), pid 2 in camera 1; 0-based camids
    g_pids, g_camids = np.array([1, 1, 2]), np.array([1, 0, 0])
    q_pids, q_camids = np.array([1, 1]), np.array([2, 5])  # cameras 3 and 6
    distmat = np.array([[0.1, 0.5, 0.3], [0.1, 0.5, 0.3]])
    assert sysu.excluded_pairs(q_camids + 1, g_camids + 1).tolist() == [[True, False, False], [False, False, False]]
    cmc, mAP, _ = evaluate_sysu(distmat, q_pids, g_pids, q_camids, g_camids, max_rank=3)
    # camera 3: ranking pid 2, pid 1 -> AP 1/2, rank-1 miss; camera 6: pid 1, pid 2, pid 1 -> AP (1 + 2/3) / 2
    assert mAP == pytest.approx((0.5 + (1 + 2 / 3) / 2) / 2)
    assert cmc.tolist() == pytest.approx([0.5, 1.0, 1.0])


def test_sysu_readers(vi_root):
    real = DATASET_REGISTRY.get("SYSUMM01VI")(root=str(vi_root))
    synth = DATASET_REGISTRY.get("SynthSYSU")(root=str(vi_root), seed=0)
    def key(items):  # path inside the data set folder
        return sorted((os.path.relpath(p, vi_root).split("/", 1)[1], pid, cam) for p, pid, cam in items)

    assert key(real.query) == key(synth.query) and key(real.gallery) == key(synth.gallery)
    folder = vi_root / "SYSU-MM01"
    test_ids = set(sysu.read_ids(folder / sysu.id_file("test")))
    assert {pid for _, pid, _ in real.query} <= test_ids and {cam for _, _, cam in real.query} == {2, 5}
    assert {cam for _, _, cam in real.gallery} <= {0, 1, 3, 4}
    assert len({(pid, cam) for _, pid, cam in real.gallery}) == len(real.gallery)  # single shot
    n_train = sum(1 for p in folder.rglob("*.jpg") if sysu.parse_path(str(p))[1] not in test_ids)
    assert len(real.train) == n_train and real.train[0][1].startswith("sysumm01vi_")
    assert {real.modality_of(p) for p, _, _ in real.query} == {"infrared"}
    assert {real.modality_of(p) for p, _, _ in real.gallery} == {"visible"}
    indoor = DATASET_REGISTRY.get("SYSUMM01VI")(root=str(vi_root), mode="indoor", trial=2)
    assert {cam for _, _, cam in indoor.gallery} <= {0, 1}


# ---- RegDB layout ------------------------------------------------------------------------------

def test_regdb_layout_is_the_real_one(vi_root):
    folder = vi_root / "RegDB"
    assert sorted(p.name for p in (folder / "idx").iterdir()) == sorted(
        Path(regdb.index_file(s, m, t)).name for s in ("train", "test") for m in ("visible", "infrared")
        for t in range(1, 11))
    splits = []
    for trial in (1, 2):
        by_split = {}
        for split in ("train", "test"):
            vis = regdb.read_index(folder / regdb.index_file(split, "visible", trial))
            thermal = regdb.read_index(folder / regdb.index_file(split, "infrared", trial))
            assert all(rel.startswith("Visible/") for rel, _ in vis)
            assert all(rel.startswith("Thermal/") for rel, _ in thermal)
            pid_of = lambda rel: int(rel.split("/")[1])  # noqa: E731
            labels = {pid_of(rel): label for rel, label in vis}
            assert labels == {pid_of(rel): label for rel, label in thermal}  # same label for an id in both
            assert sorted(labels.values()) == list(range(4)) and len(vis) == len(thermal) == 8
            by_split[split] = set(labels)
        assert by_split["train"] | by_split["test"] == set(range(1, 9)) and not by_split["train"] & by_split["test"]
        splits.append(by_split["train"])
    assert splits[0] != splits[1]  # a fresh split per trial
    with Image.open(folder / regdb.read_index(folder / regdb.index_file("test", "infrared", 1))[0][0]) as im:
        assert im.format == "BMP" and im.size == regdb.IMAGE_SIZE
        pixels = np.asarray(im.convert("RGB"))
        assert (pixels[..., 0] == pixels[..., 2]).all()


def test_regdb_readers(vi_root):
    real = DATASET_REGISTRY.get("RegDBVI")(root=str(vi_root), trial=2)
    synth = DATASET_REGISTRY.get("SynthRegDB")(root=str(vi_root), trial=2, seed=0)
    assert len(real.train) == 16 and len(real.query) == len(real.gallery) == 8  # 4 ids x 2 images (x 2 modalities)
    assert [(os.path.basename(p), pid, cam) for p, pid, cam in real.query] == \
           [(os.path.basename(p), pid, cam) for p, pid, cam in synth.query]
    assert {real.modality_of(p) for p, _, _ in real.query} == {"visible"} and {c for _, _, c in real.query} == {0}
    assert {real.modality_of(p) for p, _, _ in real.gallery} == {"infrared"} and {c for _, _, c in real.gallery} == {1}
    flipped = DATASET_REGISTRY.get("RegDBVI")(root=str(vi_root), trial=2, query="thermal")
    assert flipped.query == real.gallery and flipped.gallery == real.query
    with pytest.raises(ValueError, match="thermal"):
        DATASET_REGISTRY.get("RegDBVI")(root=str(vi_root), query="infrared")
    with pytest.raises(ValueError, match="SynthRegDB"):  # the Market-layout reader says which one to use
        DATASET_REGISTRY.get("SynthReID")(root=str(vi_root), preset="regdb", seed=0)


# ---- the modality in FastReID's batches -----------------------------------------------------------

class _Recorder:
    """A FastReID evaluator that keeps what it is given."""

    def reset(self):
        self.inputs = []

    def process(self, inputs, outputs):
        self.inputs.append(inputs)

    def evaluate(self):
        return {}


class _MeanColour(torch.nn.Module):
    def forward(self, batched_inputs):
        return batched_inputs["images"].float().mean(dim=(2, 3))


def test_modality_reaches_the_training_batch_and_the_evaluator(vi_root):
    from fastreid.config import get_cfg
    from fastreid.data import build_reid_test_loader, build_reid_train_loader
    from fastreid.data.samplers import NaiveIdentitySampler
    from fastreid.data.transforms import build_transforms
    from fastreid.evaluation import inference_on_dataset

    cfg = get_cfg()
    cfg.INPUT.SIZE_TRAIN, cfg.INPUT.SIZE_TEST = [64, 32], [64, 32]
    data = DATASET_REGISTRY.get("SynthSYSU")(root=str(vi_root), seed=0)
    train_set = ModalityDataset(data.train, data.modality_of, build_transforms(cfg, is_train=True))
    loader = build_reid_train_loader(train_set=train_set, sampler=NaiveIdentitySampler(train_set.img_items, 16, 4),
                                     total_batch_size=16, num_workers=0)
    seen = set()
    for _, batch in zip(range(4), loader):
        assert batch["modalities"].shape == (16,)
        expected = [INFRARED if "/cam3/" in p or "/cam6/" in p else VISIBLE for p in batch["img_paths"]]
        assert batch["modalities"].tolist() == expected
        seen |= set(expected)
    assert seen == {VISIBLE, INFRARED}

    test_set = ModalityDataset(data.query + data.gallery, data.modality_of, build_transforms(cfg, is_train=False),
                               relabel=False)
    test_loader, num_query = build_reid_test_loader(test_set=test_set, test_batch_size=32, num_query=len(data.query),
                                                    num_workers=0)
    recorder = _Recorder()
    inference_on_dataset(_MeanColour(), test_loader, recorder)
    modalities = torch.cat([inputs["modalities"] for inputs in recorder.inputs]).tolist()
    assert modalities == [INFRARED] * num_query + [VISIBLE] * len(data.gallery)


def test_cli_dry_runs_for_the_vi_presets(tmp_path, capsys):
    assert cli_main(["--out", str(tmp_path), "--preset", "sysu", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "val " in out and "test " in out and "c3, c6" in out and not list(tmp_path.iterdir())
    assert cli_main(["--out", str(tmp_path), "--preset", "regdb", "--dry-run"]) == 0
    assert "trials" in capsys.readouterr().out
    assert cli_main(["--out", str(tmp_path), "--preset", "regdb", "--ir-cameras", "1"]) == 2
    assert "regdb" in capsys.readouterr().err


@pytest.mark.slow
def test_calibration_runs_end_to_end(vi_root, one_torch_thread):
    from cfat_plugin.calibration.infrared import calibrate_infrared

    result = calibrate_infrared(str(vi_root), minutes=0.01, trials=2)
    assert result["iterations"] >= 1 and result["trials"] == 2
    for name in ("ir_to_rgb", "rgb_to_rgb"):
        assert 0.0 < result[name]["mAP"] <= 100.0 and 0.0 <= result[name]["rank1"] <= 100.0


# ---- every layout together (clothes changes, captions, infrared) --------------------------------

def test_one_layout_registry_covers_every_layout_and_preset():
    from cfat_plugin.data.synthetic.layouts import get_layout
    from cfat_plugin.data.synthetic.spec import LAYOUTS, PRESETS

    assert [get_layout(name).name for name in LAYOUTS] == list(LAYOUTS)
    assert {spec.layout for spec in PRESETS.values()} == set(LAYOUTS)
    with pytest.raises(ValueError, match="unknown SynthReID layout"):
        get_layout("duke")


@pytest.mark.parametrize("name, reader", [
    ("prcc-tiny", "SynthPRCC"), ("ltcc-tiny", "SynthLTCC"), ("external", "SynthExternal"),
    ("pedes-tiny", "SynthPEDES"), ("sysu", "SynthSYSU"), ("regdb", "SynthRegDB"),
])
def test_market_reader_refuses_every_other_layout_and_names_its_reader(tmp_path, name, reader):
    with pytest.raises(ValueError, match=f"preset '{name}' is written in the .* layout: use the {reader} data set"):
        DATASET_REGISTRY.get("SynthReID")(root=str(tmp_path), preset=name, seed=0)
    with pytest.raises(ValueError, match="use the SynthReID data set"):  # and the other way round
        DATASET_REGISTRY.get(reader)(root=str(tmp_path), preset="tiny", seed=0)
    assert not any(tmp_path.iterdir())  # nothing generated


def test_infrared_cameras_in_a_clothes_layout(tmp_path):
    base = preset("ltcc-tiny")
    generate(base, tmp_path / "rgb", workers=1, progress=False, contact_sheet=False)
    generate(base.replace(ir_cameras=(2,)), tmp_path / "ir", workers=1, progress=False)
    rgb, ir = (_hashes(tmp_path / kind / "LTCC_ReID", "*.png") for kind in ("rgb", "ir"))
    assert rgb.keys() == ir.keys()
    cam2 = {name for name in rgb if "_c2_" in name}
    assert cam2 and {name for name in rgb if rgb[name] == ir[name]} == set(rgb) - cam2
    for name in sorted(cam2)[:4]:  # the same outfits, in near-infrared greys
        img = np.asarray(Image.open(tmp_path / "ir" / "LTCC_ReID" / name))
        assert (img[..., 0] == img[..., 1]).all() and (img[..., 1] == img[..., 2]).all()
    assert _hashes(tmp_path / "rgb", "*.csv") == _hashes(tmp_path / "ir", "*.csv")  # the same attribute labels
    assert _hashes(tmp_path / "rgb", "*.txt") == _hashes(tmp_path / "ir", "*.txt")  # and LTCC's info files
    assert (tmp_path / "ir" / CONTACT_SHEET).is_file()
    records = plan_dataset(base.replace(ir_cameras=(2,)))
    assert {r.modality for r in records if r.camid == 2} == {"infrared"}
    assert {r.modality for r in records if r.camid != 2} == {"visible"}
    assert {r.clothes for r in records if r.camid == 2} != {0}  # outfits and modality on one record
    with pytest.raises(ValueError, match="ir_cameras"):  # captions name colours
        preset("pedes-tiny", ir_cameras=(2,))
