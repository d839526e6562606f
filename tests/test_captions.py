"""Captions for text-based ReID: grammar, CUHK-PEDES layout, readers, batches, protocol."""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from PIL import Image

import cfat_plugin  # noqa: F401  (compat shims; must come before fastreid)
from fastreid.data.datasets import DATASET_REGISTRY

from cfat_plugin.data.captions import (TEXT_CAMID, CaptionDataset, build_caption_test_loader,
                                       build_caption_train_loader, captions_of_path, text_to_image_protocol)
from cfat_plugin.data.synthetic import SynthSpec, generate, plan_dataset, preset, read_manifest
from cfat_plugin.data.synthetic.__main__ import main as cli_main
from cfat_plugin.data.synthetic.attributes import image_attributes
from cfat_plugin.data.synthetic.captions import caption_facts, describe, image_captions
from cfat_plugin.data.synthetic.clothes import dressed_identity
from cfat_plugin.data.synthetic.identity import sample_identity
from cfat_plugin.data.synthetic.layouts import pedes
from cfat_plugin.data.synthetic.person import Pose
from cfat_plugin.data.synthetic.rng import stream

REPO_ROOT = Path(__file__).resolve().parents[1]
TINY = preset("pedes-tiny")
FOLDER = "SynthReID-pedes-tiny-s0"


@pytest.fixture(scope="module")
def pedes_root(tmp_path_factory) -> Path:
    """pedes-tiny made by the CLI (1 worker) where SynthPEDES looks."""
    root = tmp_path_factory.mktemp("pedes")
    assert cli_main(["--out", str(root), "--preset", "pedes-tiny", "--workers", "1"]) == 0
    return root


def _records(root: Path) -> list[dict]:
    return json.loads((root / FOLDER / pedes.ROOT / pedes.ANNOTATIONS).read_text())


# ---- spec and plan --------------------------------------------------------------------------

def test_caption_dropout_is_a_new_last_field_and_pedes_presets_validate():
    assert [f for f in SynthSpec().to_dict()][-1] == "caption_dropout" and SynthSpec().caption_dropout == 0.3
    for name in ("pedes", "pedes-tiny"):
        assert SynthSpec.from_dict(preset(name).to_dict()) == preset(name)
    with pytest.raises(ValueError, match="caption_dropout"):
        TINY.replace(caption_dropout=1.5)
    with pytest.raises(ValueError, match="outfits_per_id"):
        TINY.replace(outfits_per_id=(2, 3))
    with pytest.raises(ValueError, match="num_distractors"):
        TINY.replace(num_distractors=2)


def test_pedes_plan_splits_people_not_images():
    records = plan_dataset(TINY)
    assert len({r.name for r in records}) == len(records)
    split_of = defaultdict(set)
    for r in records:
        split_of[r.pid].add(r.split)
        assert r.name.startswith(f"{pedes.ROOT}/{pedes.IMAGES}/{pedes.SUBFOLDER}/{r.pid:05d}_c{r.camid}_")
        assert r.clothes == 0
    assert all(len(s) == 1 for s in split_of.values())  # train / val / test identities disjoint
    assert sorted(split_of) == list(range(1, TINY.num_train_ids + TINY.num_test_ids + 1))
    counts = {s: sum(1 for v in split_of.values() if v == {s}) for s in pedes.SPLITS}
    assert counts == {"train": 8, "val": 2, "test": TINY.num_test_ids}
    per_person = defaultdict(int)
    for r in records:
        per_person[r.pid] += 1
    assert min(per_person.values()) >= TINY.min_cameras_per_id


# ---- the grammar ----------------------------------------------------------------------------

def _dressed(pid: int = 3, **names) -> object:
    """A dressed identity with some palette choices overridden (what the image shows follows them)."""
    ident = dressed_identity(0, pid, 0, 0.5)
    outfit = dict(ident.outfit, **names)
    return ident.__class__(**{**ident.__dict__, "outfit": tuple(sorted(outfit.items()))})


def _captions(ident, view: str, dropout: float, n: int = 40) -> list[str]:
    facts = caption_facts(ident, Pose(view, 0.0, 0, 0, 100))
    return [describe(facts, stream(0, 99, k), dropout) for k in range(n)]


def test_captions_name_only_what_the_view_shows():
    ident = _dressed(upper_pattern="logo", upper_color2="red", bag="backpack", bag_color="green",
                     upper_type="jacket", inner_color="yellow")
    back = " ".join(_captions(ident, "back", dropout=0.0))
    front = " ".join(_captions(ident, "front", dropout=0.0))
    assert "logo" not in back and "yellow" not in back  # the logo and the shirt under the jacket face forward
    assert not re.search(r"backpack|rucksack|on (his|her|their) back", front)
    # with nothing dropped, what does show is always named
    assert front.count("logo") == 40 and front.count("yellow") == 40
    assert len(re.findall(r"backpack|rucksack", back)) == 40
    side = _captions(_dressed(upper_pattern="vstripes", upper_color2="red"), "left", dropout=0.0)
    assert not any("stripe" in c or "red" in c for c in side)  # drawn plain from the side
    assert all("stripe" in c for c in _captions(_dressed(upper_pattern="vstripes"), "front", dropout=0.0))


def test_attribute_labels_and_captions_agree_on_the_generated_images(pedes_root):
    import csv

    with open(pedes_root / FOLDER / pedes.ROOT / "attributes" / "images.csv") as fh:
        view = {r["path"][len(f"{pedes.ROOT}/{pedes.IMAGES}/"):]: r["view"] for r in csv.DictReader(fh)}
    checked = set()
    for rec in _records(pedes_root):
        text = " ".join(rec["captions"])
        if view[rec["file_path"]] != "front":
            assert "logo" not in text
            checked.add("not front")
        else:
            assert not re.search(r"backpack|rucksack", text)
            checked.add("front")
        if view[rec["file_path"]] in ("left", "right"):
            assert "vertical" not in text
    assert checked == {"front", "not front"}
    side = image_attributes(_dressed(upper_pattern="vstripes"), Pose("right", 0.0, 0, 0, 100))
    assert side["pattern"] == "solid"  # the renderer draws vertical stripes plain from the side


def test_gender_words_only_where_the_preset_draws_gender():
    woman = next(p for p in range(1, 50) if dressed_identity(0, p, 0, 0.5).outfit_names()["gender"] == "female")
    text = " ".join(_captions(dressed_identity(0, woman, 0, 0.5), "front", dropout=0.0))
    assert re.search(r"\b(woman|lady|female)\b", text) and re.search(r"\bshe\b", text.lower())
    assert not re.search(r"\b(man|guy|male|he|his)\b", text.lower())
    market = " ".join(_captions(sample_identity(0, 5, 0.5), "front", dropout=0.0))  # no gender drawn
    assert not re.search(r"\b(woman|lady|female|man|guy|male|she|he)\b", market.lower())
    assert re.search(r"\b(person|pedestrian)\b", market)


def test_synonyms_order_and_dropout_vary_the_captions():
    ident = _dressed(upper_type="tee", upper_color="grey", upper_pattern="solid", lower_type="trousers",
                     lower_color="black", bag="handbag")
    caps = _captions(ident, "front", dropout=0.3)
    assert len(set(caps)) == len(caps)
    assert {"t-shirt", "tee"} <= {w for c in caps for w in pedes.tokens(c)}  # synonyms
    assert {"grey", "gray"} <= {w for c in caps for w in pedes.tokens(c)}
    upper_first = [c.index("grey" if "grey" in c else "gray") < c.index("black") for c in caps]
    assert any(upper_first) and not all(upper_first)  # which garment first
    hair = ["hair" in c or "cap" in c or "head" in c for c in caps]
    assert any(hair) and not all(hair)  # dropout
    bag = ["handbag" in c or "purse" in c for c in caps]
    assert any(bag) and not all(bag)
    one_sentence = ["." not in c[:-1] for c in caps]
    assert any(one_sentence) and not all(one_sentence)  # clause order: one fragment or several sentences
    # essentials survive full dropout
    for c in _captions(ident, "front", dropout=1.0, n=10):
        assert re.search(r"grey|gray", c) and re.search(r"trousers|pants|slacks", c) and "purse" not in c


def test_captions_are_deterministic_per_image_and_caption_index():
    facts = caption_facts(dressed_identity(0, 4, 0, 0.5), Pose("left", 1.0, 0, 0, 100))
    a = image_captions(0, 4, 2, 1, facts)
    assert a == image_captions(0, 4, 2, 1, facts) and len(a) == 2 and a[0] != a[1]
    assert image_captions(0, 4, 2, 0, facts) != a and image_captions(1, 4, 2, 1, facts) != a


# ---- the generated folder -------------------------------------------------------------------

def test_reid_raw_json_has_the_cuhk_pedes_record_shape(pedes_root):
    folder = pedes_root / FOLDER / pedes.ROOT
    records = _records(pedes_root)
    plan = plan_dataset(TINY)
    assert len(records) == len(plan)
    for rec in records:
        pedes.validate_record(rec)
        assert set(rec) == {"split", "captions", "file_path", "processed_tokens", "id"}
        assert len(rec["captions"]) == 2 and rec["file_path"].count("/") == 1
        assert rec["processed_tokens"] == [re.findall(r"[a-z0-9]+(?:[-'][a-z0-9]+)*", c.lower())
                                           for c in rec["captions"]]
        assert (folder / pedes.IMAGES / rec["file_path"]).is_file()
    ids = {s: {r["id"] for r in records if r["split"] == s} for s in pedes.SPLITS}
    assert not (ids["train"] & ids["val"]) and not (ids["train"] & ids["test"]) and not (ids["val"] & ids["test"])
    assert sorted(set().union(*ids.values())) == list(range(1, len(set().union(*ids.values())) + 1))
    images = sorted(str(p.relative_to(folder / pedes.IMAGES)) for p in (folder / pedes.IMAGES).rglob("*.jpg"))
    assert sorted(r["file_path"] for r in records) == images
    for bad in ({**records[0], "id": 0}, {**records[0], "split": "query"}, {**records[0], "processed_tokens": []},
                {k: v for k, v in records[0].items() if k != "captions"}):
        with pytest.raises(ValueError, match="CUHK-PEDES"):
            pedes.validate_record(bad)
    sheet = Image.open(pedes_root / FOLDER / "contact_sheet.png")
    assert sheet.width > 3 * 200 and sheet.height > 8 * 150


def test_same_seed_same_captions_any_worker_count(pedes_root, tmp_path):
    again = generate(TINY, tmp_path / "w2", workers=2, progress=False, contact_sheet=False)
    assert again["digest"] == read_manifest(pedes_root / FOLDER)["digest"]
    raw = pedes.ROOT + "/" + pedes.ANNOTATIONS
    assert (tmp_path / "w2" / raw).read_bytes() == (pedes_root / FOLDER / raw).read_bytes()
    other = generate(TINY.replace(caption_dropout=0.6), tmp_path / "d6", workers=1, progress=False,
                     contact_sheet=False)
    assert other["digest"] == again["digest"]  # dropout changes the text, never the pixels
    assert (tmp_path / "d6" / raw).read_bytes() != (tmp_path / "w2" / raw).read_bytes()


def test_an_identity_is_described_differently_in_each_caption(pedes_root):
    by_pid = defaultdict(list)
    for rec in _records(pedes_root):
        by_pid[rec["id"]] += rec["captions"]
    assert all(len(set(caps)) == len(caps) for caps in by_pid.values())


# ---- readers, batches, protocol -------------------------------------------------------------

def test_readers_read_the_real_layout(pedes_root):
    synth = DATASET_REGISTRY.get("SynthPEDES")(root=str(pedes_root), preset="pedes-tiny")
    real = DATASET_REGISTRY.get("CUHKPEDES")(root=str(pedes_root / FOLDER))
    assert [i[0] for i in real.query] == [i[0] for i in synth.query]
    plan = plan_dataset(TINY)
    assert len(synth.train) == sum(r.split == "train" for r in plan)
    assert len(synth.val) == sum(r.split == "val" for r in plan)
    assert synth.query == synth.gallery and len(synth.gallery) == sum(r.split == "test" for r in plan)
    assert all(pid.startswith("synthpedes_") for _, pid, _ in synth.train)
    for path, pid, camid in synth.gallery:
        assert camid == 0 and Path(path).name.startswith(f"{pid:05d}_")
        assert len(captions_of_path(path)) == 2
    with pytest.raises(ValueError, match="no captions"):
        captions_of_path("/data/Market-1501/query/0001_c1s1_000151_01.jpg")
    with pytest.raises(ValueError, match="SynthPEDES"):
        DATASET_REGISTRY.get("SynthReID")(root=str(pedes_root), preset="pedes-tiny")


def test_cuhkpedes_reads_a_hand_written_folder_in_the_real_shape(tmp_path, monkeypatch):
    # file names and subfolders as the real release has them: other sources, png, one or three captions
    root = tmp_path / pedes.ROOT
    records = [
        {"split": "train", "captions": ["A man in a black coat."], "file_path": "CUHK01/0363004.png", "id": 1},
        {"split": "train", "captions": ["A man.", "A tall man.", "He walks."], "file_path": "CUHK01/0363002.png",
         "id": 1},
        {"split": "val", "captions": ["A woman.", "She walks."], "file_path": "test_query/p5969_s7832.jpg", "id": 2},
        {"split": "test", "captions": ["A boy, in red.", "Red shirt."], "file_path": "Market/0002_c1s1_000451_03.jpg",
         "id": 3},
    ]
    for rec in records:
        rec["processed_tokens"] = [pedes.tokens(c) for c in rec["captions"]]
        (root / pedes.IMAGES / rec["file_path"]).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (32, 64)).save(root / pedes.IMAGES / rec["file_path"])
    (root / pedes.ANNOTATIONS).write_text(json.dumps(records))
    data = DATASET_REGISTRY.get("CUHKPEDES")(root=str(tmp_path))
    assert [(Path(p).name, pid) for p, pid, _ in data.train] == [("0363002.png", "cuhkpedes_1"),
                                                                 ("0363004.png", "cuhkpedes_1")]
    assert [pid for _, pid, _ in data.val] == [2] and [pid for _, pid, _ in data.query] == [3]
    assert captions_of_path(data.train[0][0]) == ("A man.", "A tall man.", "He walks.")
    monkeypatch.chdir(tmp_path)  # a relative path finds its annotations too
    assert captions_of_path(f"{pedes.ROOT}/{pedes.IMAGES}/Market/0002_c1s1_000451_03.jpg")[1] == "Red shirt."
    assert text_to_image_protocol(data).queries == [("A boy, in red.", 3), ("Red shirt.", 3)]


def test_text_to_image_protocol(pedes_root):
    data = DATASET_REGISTRY.get("SynthPEDES")(root=str(pedes_root), preset="pedes-tiny")
    protocol = text_to_image_protocol(data)
    assert protocol.gallery == data.gallery
    assert len(protocol.queries) == 2 * len(data.gallery)
    gallery_pids = {pid for _, pid, _ in protocol.gallery}
    assert {pid for _, pid in protocol.queries} == gallery_pids
    test_records = {r["id"]: r for r in _records(pedes_root) if r["split"] == "test"}
    assert all(text in [c for r in _records(pedes_root) if r["id"] == pid for c in r["captions"]]
               for text, pid in protocol.queries)
    assert set(test_records) == gallery_pids


def _cfg(root: Path, tmp_path: Path, *opts: str):
    from cfat_plugin.engine import load_config

    return load_config(str(REPO_ROOT / "configs" / "CUHK01" / "baseline_R18_cpu.yml"), [
        "DATASETS.ROOT", str(root), "DATASETS.NAMES", "('SynthPEDES',)", "DATASETS.TESTS", "('SynthPEDES',)",
        "OUTPUT_DIR", str(tmp_path / "out"), "INPUT.SIZE_TRAIN", "[64, 32]", "INPUT.SIZE_TEST", "[64, 32]",
        "SOLVER.IMS_PER_BATCH", "16", "DATALOADER.NUM_INSTANCE", "4", "DATALOADER.NUM_WORKERS", "0",
        "TEST.IMS_PER_BATCH", "32", *opts,
    ])


def test_captions_reach_the_fastreid_train_and_test_batches(pedes_root, tmp_path):
    from cfat_plugin.engine import apply_runtime_config

    cfg = _cfg(pedes_root, tmp_path, "DATASETS.SYNTHREID.PRESET.PEDES", "pedes-tiny")
    apply_runtime_config(cfg)  # FastReID's loaders build SynthPEDES from its root: the preset comes from here
    loader = build_caption_train_loader(cfg)
    data = loader.dataset
    assert isinstance(data, CaptionDataset) and len(data) == 2 * sum(r.split == "train" for r in plan_dataset(TINY))
    batch = next(iter(loader))
    assert batch["images"].shape[0] == 16 and len(batch["caption"]) == 16
    for path, caption in zip(batch["img_paths"], batch["caption"]):
        assert isinstance(caption, str) and caption in captions_of_path(path)

    test_loader, num_query = build_caption_test_loader(cfg, "SynthPEDES")
    gallery = DATASET_REGISTRY.get("SynthPEDES")(root=str(pedes_root)).gallery
    assert num_query == 2 * len(gallery)
    samples = {"caption": [], "camids": [], "targets": [], "img_paths": []}
    for batch in test_loader:
        for key in samples:
            samples[key] += list(batch[key])
    assert len(samples["caption"]) == num_query + len(gallery)
    queries = list(zip(samples["caption"], (int(t) for t in samples["targets"])))[:num_query]
    assert queries == text_to_image_protocol(DATASET_REGISTRY.get("SynthPEDES")(root=str(pedes_root))).queries
    assert all(int(c) == TEXT_CAMID for c in samples["camids"][:num_query])
    assert samples["caption"][num_query:] == [""] * len(gallery)
    assert samples["img_paths"][num_query:] == [p for p, _, _ in gallery]


def test_cli_dry_run_lists_the_pedes_splits(tmp_path, capsys):
    assert cli_main(["--out", str(tmp_path), "--preset", "pedes", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"test\s+200\s", out) and "reid_raw.json" in out and not list(tmp_path.iterdir())
    assert cli_main(["--out", str(tmp_path), "--preset", "pedes-tiny", "--caption-dropout", "2"]) == 2
    assert "caption_dropout" in capsys.readouterr().err

