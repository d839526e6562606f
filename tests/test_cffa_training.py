"""CFFA end to end on the offline towers: a generated pedes-tiny set trains one epoch through
tools/train_net.py, --eval-only prints the text-to-image table and the top-10 sheet; bad input stops
before training with one line and exit 2 (missing images, a test id without a gallery image, an
unknown tower, a CLIP file of another shape)."""
import json
import os
import re
import shutil

import pytest
import torch

from conftest import run_tool
from cfat_plugin.data.synthetic.__main__ import main as cli_main
from cfat_plugin.data.synthetic.layouts import pedes

CONFIG = ["--config-file", "projects/CFFA/synth_pedes_cpu.yml"]
TINY = ["DATASETS.NAMES", "('CUHKPEDES',)", "DATASETS.TESTS", "('CUHKPEDES',)", "SOLVER.MAX_EPOCH", "1",
        "SOLVER.IMS_PER_BATCH", "8", "TEST.EVAL_PERIOD", "1", "SOLVER.CHECKPOINT_PERIOD", "1", "SEED", "0"]
TRAIN = os.path.join("tools", "train_net.py")


@pytest.fixture(scope="module")
def pedes_root(tmp_path_factory):
    """pedes-tiny in CUHK-PEDES's layout (read by the CUHKPEDES reader: its root is the folder above)."""
    out = tmp_path_factory.mktemp("cffa")
    assert cli_main(["--out", str(out), "--preset", "pedes-tiny", "--workers", "1"]) == 0
    return out / "SynthReID-pedes-tiny-s0"


def _copy_with(pedes_root, tmp_path, split: str, drop_all_of_one_id: bool):
    """A copy of the set with the images of one ``split`` record (or of one whole id) deleted."""
    root = tmp_path / "copy"
    shutil.copytree(pedes_root, root)
    records = json.loads((root / pedes.ROOT / pedes.ANNOTATIONS).read_text())
    first = next(r for r in records if r["split"] == split)
    gone = [r for r in records if r["id"] == first["id"]] if drop_all_of_one_id else [first]
    for r in gone:
        os.remove(root / pedes.ROOT / pedes.IMAGES / r["file_path"])
    return root, first


@pytest.mark.slow
def test_trains_tests_and_eval_only_prints_the_text_to_image_table(pedes_root, tmp_path):
    opts = TINY + ["DATASETS.ROOT", str(pedes_root), "OUTPUT_DIR", str(tmp_path)]
    run = run_tool([TRAIN] + CONFIG + opts)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-3000:]
    assert re.search(r"loss_mal: .* loss_mal_local: .* loss_id: .* loss_irr: ", log)
    evaluation = run_tool([TRAIN] + CONFIG + ["--eval-only", "MODEL.WEIGHTS", str(tmp_path / "model_final.pth")] + opts)
    log = evaluation.stdout + evaluation.stderr
    assert evaluation.returncode == 0, log[-3000:]
    rows = re.findall(r"^\| CUHKPEDES t2i (\w+) +\|" + r" +([\d.]+) +\|" * 5, log, re.M)
    assert [r[0] for r in rows] == ["global", "local", "fused"], log[-2000:]
    assert all(0 <= float(v) <= 100 for r in rows for v in r[1:])
    assert (tmp_path / "cffa_t2i_CUHKPEDES.png").is_file()


@pytest.mark.slow
def test_a_missing_training_image_is_named_before_training(pedes_root, tmp_path):
    root, record = _copy_with(pedes_root, tmp_path, "train", drop_all_of_one_id=False)
    run = run_tool([TRAIN] + CONFIG + TINY + ["DATASETS.ROOT", str(root), "OUTPUT_DIR", str(tmp_path / "out")])
    assert run.returncode == 2, run.stderr[-2000:]
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "1 captioned training images are missing" in errors[0]
    assert os.path.basename(record["file_path"]) in errors[0]


@pytest.mark.slow
def test_a_test_caption_without_a_gallery_image_is_refused(pedes_root, tmp_path):
    root, record = _copy_with(pedes_root, tmp_path, "test", drop_all_of_one_id=True)
    run = run_tool([TRAIN] + CONFIG + TINY + ["DATASETS.ROOT", str(root), "OUTPUT_DIR", str(tmp_path / "out")])
    assert run.returncode == 2, run.stderr[-2000:]
    assert f"test captions of ids [{record['id']}] have no gallery image" in run.stderr


def test_an_unknown_tower_and_a_misshapen_clip_file_stop_with_exit_2(tmp_path):
    from cfat_plugin.cffa.clip_towers import ClipTextTower, ClipVisionTower

    state = {f"visual.{k}": v for k, v in ClipVisionTower((32, 32), 16, 8, 1, 2, 4).state_dict().items()}
    state.update(ClipTextTower(49408, 77, 8, 1, 2, 4).state_dict())
    torch.save(state, tmp_path / "other.pt")
    run = run_tool([TRAIN] + CONFIG + ["MODEL.CFFA.IMAGE_TOWER", "resnet_clip", "MODEL.CFFA.TEXT_TOWER", "clip",
                                       "MODEL.CFFA.CLIP.WEIGHTS", str(tmp_path / "other.pt"),
                                       "OUTPUT_DIR", str(tmp_path / "out")])
    assert run.returncode == 2, run.stderr[-2000:]
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert any("MODEL.CFFA.IMAGE_TOWER: unknown tower 'resnet_clip'" in e for e in errors), run.stderr[-2000:]
    assert any("token_embedding.weight (49408, 8) (model (49408, 512))" in e for e in errors), run.stderr[-2000:]
