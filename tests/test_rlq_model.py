"""RLQ's backbone, meta-architecture, frozen teacher, optimizers and attribute labels."""
import copy
import csv
import os

import numpy as np
import pytest
import torch

import cfat_plugin  # noqa: F401
from cfat_plugin.data.synthetic.__main__ import main as synth_main
from cfat_plugin.engine import load_config
from cfat_plugin.rlq.attributes import NO_POSE, UNKNOWN_GENDER, attribute_labels, cluster_poses, pose_descriptor
from cfat_plugin.rlq.trainer import RLQTrainer
from fastreid.modeling.meta_arch.build import build_model

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CPU_CONFIG = os.path.join(REPO_ROOT, "projects", "RLQ", "synth_ltcc_r18.yml")
BASE_CONFIG = os.path.join(REPO_ROOT, "projects", "RLQ", "synth_ltcc_r18_base.yml")
SMALL = ["MODEL.HEADS.NUM_CLASSES", "4", "MODEL.RLQ.NUM_CLOTHES", "6", "MODEL.RLQ.CAL.START_EPOCH", "2"]


def _batch(n: int = 8, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    pids = torch.arange(n) % 4
    return {"images": torch.rand(n, 3, 64, 32, generator=g) * 255, "targets": pids, "clothes": pids + 2 * (pids < 2),
            "gender": torch.tensor([0, 1, -1, 1] * (n // 4)), "pose": torch.arange(n) % 5}


@pytest.fixture(scope="module")
def teacher_files(tmp_path_factory):
    """A base RLQ model's config file and weights (the TAD teacher)."""
    folder = tmp_path_factory.mktemp("teacher")
    cfg = load_config(BASE_CONFIG, SMALL)
    config_file = folder / "teacher.yml"
    config_file.write_text(cfg.dump())
    torch.manual_seed(1)
    weights = folder / "model_final.pth"
    torch.save({"model": build_model(cfg).state_dict()}, weights)
    return str(config_file), str(weights)


def _student_cfg(teacher_files, tad: bool = True):
    return load_config(CPU_CONFIG, SMALL + ["MODEL.RLQ.TAD.ENABLED", str(tad), "MODEL.TEACHER.ENABLED", str(tad),
                                            "MODEL.TEACHER.CONFIG_FILE", teacher_files[0],
                                            "MODEL.TEACHER.WEIGHTS", teacher_files[1]])


def test_pose_branch_splits_after_layer1_and_the_others_after_layer2():
    torch.manual_seed(0)
    model = build_model(load_config(CPU_CONFIG, SMALL))
    bb = model.backbone
    assert len(bb.pose_branch) == 3 and len(bb.clothes_branch) == 2 and len(bb.identity_branch) == 2
    assert bb.pose_branch[0][0].conv1.in_channels == 64  # its own layer2, fed by layer1
    assert bb.clothes_branch[0][0].conv1.in_channels == 128  # layer3, fed by the shared layer2
    own = {id(p) for p in bb.pose_branch.parameters()} | {id(p) for p in bb.identity_branch.parameters()}
    assert not own & {id(p) for p in bb.clothes_branch.parameters()}  # copies, not shared weights
    m1, m2, m3 = bb(torch.rand(2, 3, 64, 32))
    assert m1.shape == m2.shape == m3.shape == (2, 512, 4, 2)  # last stride 1
    assert bb(torch.rand(2, 3, 64, 32), with_pose=False)[2] is None


def test_mobilenetv2_trunk_is_cut_at_resnet_strides_and_every_branch_starts_from_imagenet():
    """The CPU comparison's ImageNet start: each branch a copy of the shipped weights, the maps at ResNet's strides."""
    from cfat_plugin.modeling.backbones.mobilenetv2_imagenet import shipped_weights_path

    cfg = load_config(os.path.join(REPO_ROOT, "projects", "RLQ", "synth_ltcc_mnv2.yml"), SMALL)
    model = build_model(cfg)
    bb, shipped = model.backbone, torch.load(shipped_weights_path(), map_location="cpu", weights_only=True)
    state = bb.state_dict()
    assert torch.equal(state["stem.0.0.weight"], shipped["features.0.0.weight"])
    for key in ("layer2.5.conv.0.weight", "pose_branch.0.5.conv.0.weight"):  # shared /8 stage and the pose copy
        assert torch.equal(state[key], shipped["features.5.conv.0.weight"])
    for branch in ("clothes_branch", "identity_branch"):  # /16 stage and the final 1x1 conv, in each branch
        assert torch.equal(state[f"{branch}.0.10.conv.0.weight"], shipped["features.10.conv.0.weight"])
        assert torch.equal(state[f"{branch}.1.4.0.weight"], shipped["features.18.0.weight"])
    assert bb.layer1(bb.stem(torch.rand(1, 3, 128, 64))).shape == (1, 24, 32, 16)  # /4, like ResNet's layer1
    m1, m2, m3 = bb(torch.rand(2, 3, 128, 64))
    assert m1.shape == m2.shape == m3.shape == (2, 1280, 8, 4)  # /16: last stride 1
    assert bb.channels == 1280 and model.id_head.in_features == 2 * 1280  # MaxAvg: max and mean concatenated


def test_test_feature_is_f1_and_f2_and_losses_follow_the_switches():
    torch.manual_seed(0)
    model = build_model(load_config(CPU_CONFIG, SMALL)).eval()
    with torch.no_grad():
        feat = model({"images": _batch()["images"]})
    assert feat.shape == (8, 2 * 1024)
    model.train()
    cap = model(_batch())
    assert set(cap) == {"loss_id_f1", "loss_id_f2", "loss_triplet", "loss_gender", "loss_pose", "loss_disentangle",
                        "loss_kl_heads"}
    base = build_model(load_config(BASE_CONFIG, SMALL)).train()
    assert set(base(_batch())) == {"loss_id_f1", "loss_id_f2", "loss_triplet"}


def test_clothes_classifier_and_cal_start_at_their_epoch():
    torch.manual_seed(0)
    model = build_model(load_config(CPU_CONFIG, SMALL)).train()
    model.set_identity_clothes([0, 0, 1, 2, 3, 1], [0, 4, 1, 2, 3, 5])
    assert model.identity_clothes[0].tolist() == [1, 0, 0, 0, 1, 0]
    model.current_epoch = 1
    assert "loss_cal" not in model(_batch()) and not model.cal_active()
    model.current_epoch = 2
    losses = model(_batch())
    assert {"loss_clothes", "loss_cal"} <= set(losses)
    losses["loss_cal"].backward()  # the adversarial term never trains the clothes classifier
    assert model.clothes_classifier.weight.grad is None
    losses["loss_clothes"].backward()  # the clothes CE trains only it
    assert model.clothes_classifier.weight.grad.abs().sum() > 0


def test_teacher_is_frozen_outside_the_module_and_the_optimizers(teacher_files):
    torch.manual_seed(0)
    cfg = _student_cfg(teacher_files)
    model = build_model(cfg)
    teacher = model.teacher
    assert teacher is not None and not any(p.requires_grad for p in teacher.parameters())
    teacher_ids = {id(p) for p in teacher.parameters()}
    assert not teacher_ids & {id(p) for p in model.parameters()}
    assert not any(k.startswith("teacher") or k.startswith("_teacher") for k in model.state_dict())
    optimizer, _ = RLQTrainer.build_optimizer(cfg, model)
    in_optimizer = {id(p) for g in optimizer.param_groups for p in g["params"]}
    assert not teacher_ids & in_optimizer
    assert not {id(p) for p in model.clothes_classifier.parameters()} & in_optimizer  # own optimizer
    assert model.clothes_classifier.weight.requires_grad
    model.train()
    assert not teacher.training


def test_tad_losses_are_zero_for_the_teacher_itself_on_identical_pairs(teacher_files):
    cfg = _student_cfg(teacher_files)
    model = build_model(cfg)
    model.load_state_dict(model.teacher.state_dict(), strict=False)  # student = teacher
    images = _batch()["images"]
    model.eval()  # BatchNorm on running statistics, as the teacher
    losses = model.tad_losses({"images": images, "lq_images": images.clone()})
    assert losses["loss_tad_mse"].item() == pytest.approx(0.0, abs=1e-6)
    assert losses["loss_tad_kl"].item() == pytest.approx(0.0, abs=1e-7)
    model.train()
    lq = torch.nn.functional.avg_pool2d(images, 5, 1, 2)
    losses = model({"images": images, "lq_images": lq, "targets": torch.full((8,), -1)})  # labels unused
    assert set(losses) == {"loss_tad_mse", "loss_tad_kl"} and losses["loss_tad_mse"].item() > 0
    losses["loss_tad_mse"].backward()
    assert all(p.grad is None for p in model.teacher.parameters())


def test_tad_without_a_teacher_is_refused_before_the_run(teacher_files):
    from cfat_plugin.utils.config_keys import registered_settings_checks

    cfg = load_config(CPU_CONFIG, SMALL + ["MODEL.RLQ.TAD.ENABLED", "True", "MODEL.TEACHER.ENABLED", "False",
                                           "MODEL.RLQ.TAD.MIXTURE", "market", "MODEL.RLQ.TAD.DATASET", "Celeb"])
    problems = []
    for check in registered_settings_checks():
        check(cfg, problems, True)
    assert any("MODEL.RLQ.TAD.ENABLED" in p for p in problems)
    assert any("MODEL.RLQ.TAD.MIXTURE" in p for p in problems)
    assert any("MODEL.RLQ.TAD.DATASET: 'Celeb'" in p for p in problems)


# ---- attribute labels ----

@pytest.fixture(scope="module")
def ltcc_tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("ltcc")
    assert synth_main(["--out", str(root), "--preset", "ltcc-tiny", "--workers", "1"]) == 0
    return root / "SynthReID-ltcc-tiny-s0"


def test_gender_and_pose_clusters_come_from_the_generator(ltcc_tiny, tmp_path):
    attrs = ltcc_tiny / "LTCC_ReID" / "attributes"
    rows = list(csv.DictReader(open(attrs / "images.csv")))
    gender_of = {r["pid"]: r["gender"] for r in csv.DictReader(open(attrs / "identities.csv"))}
    rows = [r for r in rows if "/train/" in r["path"]]
    paths = [str(ltcc_tiny / r["path"]) for r in rows]
    stray = tmp_path / "stray.png"
    stray.write_bytes(b"")
    genders, poses = attribute_labels(paths + [str(stray)], pose_clusters=15)
    assert genders[:-1] == [{"female": 0, "male": 1}[gender_of[r["pid"]]] for r in rows]
    assert genders[-1] == UNKNOWN_GENDER and poses[-1] == NO_POSE
    descriptors = [(r["view"], r["pose"]) for r in rows]
    assert min(poses[:-1]) >= 1 and max(poses[:-1]) <= len(set(descriptors))  # K capped at distinct descriptors
    by_descriptor = {}
    for d, p in zip(descriptors, poses):  # one descriptor, one cluster; distinct descriptors, distinct clusters
        assert by_descriptor.setdefault(d, p) == p
    assert len(set(by_descriptor.values())) == len(by_descriptor)


def test_pose_clusters_group_descriptors_and_keep_zero_for_no_pose():
    d = [pose_descriptor("front", "feet_together"), None, pose_descriptor("front", "feet_together"),
         pose_descriptor("back", "full_stride")]
    labels = cluster_poses(d, k=15)
    assert labels[1] == 0 and labels[0] == labels[2] != labels[3] and min(labels[0], labels[3]) >= 1
    assert cluster_poses([None, None], k=15) == [0, 0]


def test_real_data_csv_lookups(tmp_path):
    (tmp_path / "g.csv").write_text("image,gender\na.png,1\nb.png,0\n")
    (tmp_path / "p.csv").write_text("image,pose\na.png,7\n")
    genders, poses = attribute_labels(["/x/a.png", "/y/b.png", "/z/c.png"], 15, str(tmp_path / "g.csv"),
                                      str(tmp_path / "p.csv"))
    assert genders == [1, 0, -1] and poses == [7, 0, 0]
    (tmp_path / "bad.csv").write_text("name,sex\na.png,1\n")
    with pytest.raises(ValueError, match="image,gender"):
        attribute_labels(["/x/a.png"], 15, str(tmp_path / "bad.csv"))


def test_every_generated_prcc_training_image_gets_a_gender_and_a_pose(tmp_path):
    from cfat_plugin.data.datasets.clothes_changing import SynthPRCC

    paths = [item[0] for item in SynthPRCC(root=str(tmp_path), preset="prcc-tiny").train]  # prcc/rgb/train/<pid>/<cam>_...jpg
    genders, poses = attribute_labels(paths, pose_clusters=15)
    assert UNKNOWN_GENDER not in genders and set(genders) == {0, 1}
    assert NO_POSE not in poses


def test_building_the_teacher_leaves_the_student_initialisation_unchanged(teacher_files):
    """Arms with and without TAD start from the same weights for one seed (a paired comparison)."""
    models = []
    for tad in (False, True):
        torch.manual_seed(3)
        models.append(build_model(_student_cfg(teacher_files, tad=tad)).state_dict())
    assert models[0].keys() == models[1].keys()
    assert all(torch.equal(models[0][k], models[1][k]) for k in models[0])
