"""SynthReID's low-resolution cameras and the MLR-CUHK03 layout, reader and loader."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import cfat_plugin  # noqa: F401  (compat shims; must come before fastreid)
from fastreid.data.datasets import DATASET_REGISTRY

from cfat_plugin.data.synthetic import CONTACT_SHEET, SynthSpec, generate, plan_dataset, preset, render_record
from cfat_plugin.data.synthetic.__main__ import main as cli_main
from cfat_plugin.data.synthetic.layouts import mlr
from cfat_plugin.data.synthetic.lowres import apply_lowres_sensor, downsample, sample_lowres_camera
from cfat_plugin.data.synthetic.plan import split_ids
from cfat_plugin.engine.validate import GENERATED_DATASETS

TINY = preset("tiny")
MLR_FOLDER = "SynthReID-mlr-tiny-s0"


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.jpg"))}


@pytest.fixture(scope="module")
def mlr_root(tmp_path_factory) -> Path:
    """The ``mlr-tiny`` preset made by the CLI where ``SynthMLR`` looks for it."""
    root = tmp_path_factory.mktemp("mlr")
    assert cli_main(["--out", str(root), "--preset", "mlr-tiny", "--workers", "1"]) == 0
    return root


# ---- spec ------------------------------------------------------------------------------------

def test_new_fields_keep_defaults_and_caption_dropout_last():
    fields = list(SynthSpec().to_dict())
    assert fields[-5:] == ["lowres_cameras", "lowres_height_range", "downsample_factors", "identity_cues",
                           "caption_dropout"]
    spec = SynthSpec()
    assert (spec.lowres_cameras, spec.lowres_height_range, spec.downsample_factors) == ((), (32, 64), ())
    assert spec.identity_cues == "all"
    older = {k: v for k, v in preset("mlr").to_dict().items() if k != "identity_cues"}  # a manifest from before
    assert SynthSpec.from_dict(older) == preset("mlr")
    for name in ("lowres", "mlr", "mlr-tiny"):
        assert SynthSpec.from_dict(preset(name).to_dict()) == preset(name)
    assert preset("lowres").replace(lowres_cameras=()) == preset("demo")


@pytest.mark.parametrize("change, words", [
    ({"lowres_cameras": (4,)}, "lowres_cameras"),
    ({"lowres_cameras": (2, 1)}, "lowres_cameras"),
    ({"lowres_height_range": (8, 40)}, "lowres_height_range"),
    ({"downsample_factors": (2, 3)}, "mlr layout only"),
])
def test_spec_rejects_bad_lowres_knobs(change, words):
    with pytest.raises(ValueError, match=words):
        TINY.replace(**change)


@pytest.mark.parametrize("change, words", [
    ({"downsample_factors": ()}, "downsample_factors"),
    ({"downsample_factors": (3, 2)}, "downsample_factors"),
    ({"downsample_factors": (2, 9)}, "downsample_factors"),
    ({"num_cameras": 3}, "num_cameras=2"),
])
def test_mlr_spec_rejects_bad_knobs(change, words):
    with pytest.raises(ValueError, match=words):
        preset("mlr-tiny", **change)


# ---- natively low-resolution cameras ---------------------------------------------------------

def test_other_cameras_are_byte_identical_with_a_lowres_camera(tmp_path):
    generate(TINY, tmp_path / "full", workers=1, progress=False, contact_sheet=False)
    generate(TINY.replace(lowres_cameras=(2,)), tmp_path / "low", workers=1, progress=False)
    full, low = _hashes(tmp_path / "full"), _hashes(tmp_path / "low")
    assert full.keys() == low.keys()
    cam2 = {name for name in full if "_c2s" in name}
    assert cam2 and {name for name in full if full[name] == low[name]} == set(full) - cam2
    for name in cam2:  # every camera-2 image (people, distractors, junk) is small
        with Image.open(tmp_path / "low" / name) as im:
            assert 32 // 2 <= im.height <= 64 * 1.05
    assert (tmp_path / "low" / CONTACT_SHEET).is_file()


def test_lowres_camera_draws_small_rather_than_shrinking_a_full_crop():
    spec = TINY.replace(lowres_cameras=(2,))
    rec = next(r for r in plan_dataset(spec) if r.camid == 2 and r.kind == "person")
    small = np.asarray(render_record(spec, rec)).astype(float)
    shrunk = np.asarray(render_record(TINY, rec).resize(small.shape[1::-1], Image.BICUBIC)).astype(float)
    assert small.shape == shrunk.shape and small.shape[0] <= 64 * 1.05
    assert np.abs(small - shrunk).mean() > 4  # its own blur, noise and compression, not a resized copy
    cam = sample_lowres_camera(spec.seed, 2, spec.difficulty)
    assert cam.quality < 60 and cam.blur > 0.3 and cam.noise >= 2
    flat = Image.new("RGB", (24, 56), (120, 120, 120))  # a flat patch comes out noisy (what is left after the JPEG)
    assert np.asarray(apply_lowres_sensor(flat, cam, np.random.default_rng(0))).std() > 0.3
    assert np.array_equal(render_record(spec, rec), render_record(spec, rec))  # deterministic


def test_lowres_preset_is_the_demo_with_one_small_camera():
    low, demo = preset("lowres"), preset("demo")
    records = plan_dataset(low)
    assert records == plan_dataset(demo)
    rec3 = next(r for r in records if r.camid == 3 and r.kind == "person")
    assert np.array_equal(render_record(low, rec3), render_record(demo, rec3))
    rec4 = next(r for r in records if r.camid == 4 and r.kind == "person")
    assert render_record(low, rec4).height < render_record(demo, rec4).height // 2


# ---- MLR-CUHK03 -------------------------------------------------------------------------------

def test_mlr_plan_follows_the_protocol():
    spec = preset("mlr-tiny")
    records = plan_dataset(spec)
    train, test = split_ids(spec)
    assert {r.pid for r in records if r.split == "train"} == set(train)
    assert {r.pid for r in records if r.split in ("query", "gallery")} == set(test)
    for pid in test:
        query = [r for r in records if r.pid == pid and r.split == "query"]
        gallery = [r for r in records if r.pid == pid and r.split == "gallery"]
        assert query and gallery and len({r.camid for r in query}) == 1 and len({r.camid for r in gallery}) == 1
        assert query[0].camid != gallery[0].camid  # one camera of the pair low-resolution, the other full
        assert {r.scale for r in query} <= {2, 3, 4} and {r.scale for r in gallery} == {1}
    for pid in train:  # train ids: both cameras, one of them down-sampled
        scales = {cam: {r.scale for r in records if r.pid == pid and r.camid == cam} for cam in (1, 2)}
        assert sorted(1 in s for s in scales.values()) == [False, True]
        assert all(s == {1} or 1 not in s for s in scales.values())
    assert {r.scale for r in records} == {1, 2, 3, 4}
    for r in records:  # the published naming: every low-resolution image under c0, every full-resolution one c1
        assert mlr.name_camera(r.name) == (mlr.LOW_RES_CAMERA if r.scale > 1 else mlr.FULL_RES_CAMERA)
    names = [r.name for r in records]
    assert len(set(names)) == len(names)
    control = plan_dataset(spec.replace(downsample_factors=(1,)))  # the same images, all at full size
    assert [r._replace(scale=1) for r in records] == control and {r.scale for r in control} == {1}  # names too
    # the demo's ids: with its seed and counts the test ids are the demo's
    demo_like = preset("mlr")
    assert split_ids(demo_like) == split_ids(preset("demo"))


def test_mlr_images_are_full_crops_down_sampled(mlr_root):
    spec = preset("mlr-tiny")
    folder = mlr_root / MLR_FOLDER
    with open(folder / mlr.ROOT / mlr.FACTORS_FILE) as fh:
        rows = list(csv.DictReader(fh))
    images = sorted(str(p.relative_to(folder / mlr.ROOT)) for p in (folder / mlr.ROOT).rglob("*.jpg"))
    assert sorted(r["path"] for r in rows) == images
    by_path = {r.name: r for r in plan_dataset(spec)}
    for row in rows[:12] + [r for r in rows if r["factor"] != "1"][:6]:
        rec = by_path[f"{mlr.ROOT}/{row['path']}"]
        assert int(row["factor"]) == rec.scale and int(row["camid"]) == mlr.name_camera(row["path"])
        assert int(row["camid"]) == (mlr.LOW_RES_CAMERA if rec.scale > 1 else mlr.FULL_RES_CAMERA)
        full = render_record(spec, rec._replace(scale=1))
        with Image.open(folder / mlr.ROOT / row["path"]) as im:
            assert im.size == downsample(full, rec.scale).size
    split, pid, name = images[0].split("/")
    assert split in mlr.SPLIT_DIRS and mlr.parse_name(name)[0] == int(pid)
    with pytest.raises(ValueError, match="MLR-CUHK03"):
        mlr.parse_name("0001_c1s1_000001_01.jpg")
    assert Image.open(folder / CONTACT_SHEET).width > 2 * 64


def test_mlr_readers(mlr_root):
    synth = DATASET_REGISTRY.get("SynthMLR")(root=str(mlr_root), preset="mlr-tiny", seed=0)
    real = DATASET_REGISTRY.get("MLRCUHK03")(root=str(mlr_root / MLR_FOLDER))
    assert synth.query == real.query and synth.gallery == real.gallery and len(real.train) == len(synth.train)
    records = plan_dataset(preset("mlr-tiny"))
    assert len(real.query) == sum(r.split == "query" for r in records)
    assert len(real.gallery) == sum(r.split == "gallery" for r in records)
    assert {real.factor_of(p) for p, _, _ in real.query} <= {2, 3, 4}
    assert {real.factor_of(p) for p, _, _ in real.gallery} == {1}
    assert {cam for _, _, cam in real.query} == {0} and {cam for _, _, cam in real.gallery} == {1}
    assert real.train[0][1].startswith("mlrcuhk03_") and real.val == []
    for path, _, _ in real.train + real.query + real.gallery:  # factors.csv and the published c0 rule agree
        assert real.is_low_resolution(path) == (real.factor_of(path) > 1) == ("_c0_" in path)
    for path, pid, cam in real.query:
        assert all(g_cam != cam for _, g_pid, g_cam in real.gallery if g_pid == pid)
    with pytest.raises(ValueError, match="use the SynthMLR data set"):
        DATASET_REGISTRY.get("SynthReID")(root=str(mlr_root), preset="mlr-tiny", seed=0)
    assert "SynthMLR" in GENERATED_DATASETS


# The generated MLR sets, pinned: every low-resolution image named c0, as in the published MLR-CUHK03. The whole
# mlr preset (seed 0) gives manifest digest d454a7447dfac4cfe82bcf5a6e276e9342f132e896234d402df98edcc4f5fc2b
# (14 s to generate, too slow here); its plan (names, rendering cameras, factors) is pinned instead.
MLR_TINY_DIGEST = "2623df6a7f583de4575e0a9f773d6ce0e8e077cc267f8e17768be2af31694e69"
MLR_PLAN_DIGEST = "fbaa7152e45e114b6465218a3d75c90983a8fd24066291804c45b72a0cf64881"


def test_mlr_presets_are_pinned(mlr_root):
    from cfat_plugin.data.synthetic import read_manifest

    assert read_manifest(mlr_root / MLR_FOLDER)["digest"] == MLR_TINY_DIGEST
    records = plan_dataset(preset("mlr"))
    lines = "".join(f"{r.name},{r.camid},{r.scale}\n" for r in records)  # names, rendering cameras, factors
    assert hashlib.sha256(lines.encode()).hexdigest() == MLR_PLAN_DIGEST
    low = [r for r in records if r.scale > 1]
    assert len(records) == 2437 and len(low) == 1223 and {mlr.name_camera(r.name) for r in low} == {0}


def test_fastreid_test_loader_from_synth_mlr(mlr_root, monkeypatch):
    import fastreid.data.build as build
    from fastreid.config import get_cfg
    from fastreid.data import build_reid_test_loader

    monkeypatch.setattr(build, "_root", str(mlr_root))
    cfg = get_cfg()
    cfg.INPUT.SIZE_TEST = [64, 32]
    cfg.TEST.IMS_PER_BATCH = 16
    loader, num_query = build_reid_test_loader(cfg, dataset_name="SynthMLR", preset="mlr-tiny")
    records = plan_dataset(preset("mlr-tiny"))
    assert num_query == sum(r.split == "query" for r in records)
    seen = []
    for batch in loader:
        assert batch["images"].shape[1:] == (3, 64, 32)  # low-resolution queries resized up like the gallery
        seen += batch["targets"].tolist()
    assert len(seen) == num_query + sum(r.split == "gallery" for r in records)
    assert set(seen) == set(split_ids(preset("mlr-tiny"))[1])


def test_cli_dry_runs(tmp_path, capsys):
    assert cli_main(["--out", str(tmp_path), "--preset", "mlr", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "query " in out and "2 or 3 or 4" in out and not list(tmp_path.iterdir())
    assert cli_main(["--out", str(tmp_path), "--preset", "lowres", "--dry-run"]) == 0
    assert "low-resolution cameras: c4" in capsys.readouterr().out
    assert cli_main(["--out", str(tmp_path), "--preset", "tiny", "--lowres-cameras", "2", "3",
                     "--lowres-height-range", "24", "48", "--dry-run"]) == 0
    assert "c2, c3 (crops 24-48 px high)" in capsys.readouterr().out
    assert cli_main(["--out", str(tmp_path), "--preset", "tiny", "--downsample-factors", "2"]) == 2
    assert "mlr layout only" in capsys.readouterr().err


@pytest.mark.parametrize("name, changes", [
    ("tiny", {"ir_cameras": (2,)}),  # an infrared camera that is also low-resolution
    ("ltcc-tiny", {}),  # people in outfits
    ("mlr-tiny", {}),  # natively small and down-sampled on top
])
def test_lowres_cameras_combine_with_other_conditions(name, changes):
    base = preset(name, **changes)
    spec = base.replace(lowres_cameras=(2,))
    records = plan_dataset(spec)
    assert records == plan_dataset(base)
    for rec in [r for r in records if r.camid == 2][:3]:
        small, full = render_record(spec, rec), render_record(base, rec)
        assert small.height < full.height
    other = next(r for r in records if r.camid == 1)
    assert np.array_equal(render_record(spec, other), render_record(base, other))
