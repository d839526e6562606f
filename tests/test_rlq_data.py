"""RLQ's data as published: the Celeb-reID reader and teacher, attributes keyed by identity, recoloured
replicas with new clothes ids, independent HQ/LQ augmentation draws, the published batch, smoothed
attribute CEs and the best epoch labelled as test-set selection."""
import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

import cfat_plugin  # noqa: F401
from cfat_plugin.data.synthetic.layouts import ltcc
from cfat_plugin.engine import load_config
from cfat_plugin.rlq.attributes import UNKNOWN_GENDER, attribute_labels
from cfat_plugin.rlq.data import AttributeDataset, ExternalPairs, target_train_set
from cfat_plugin.rlq.lowquality import LowQualityPair
from cfat_plugin.rlq.meta_arch import RLQ
from cfat_plugin.utils.errors import TrainingDataError
from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.modeling.meta_arch.build import build_model

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT = os.path.join(REPO_ROOT, "projects", "RLQ")
SMALL = ["MODEL.HEADS.NUM_CLASSES", "4", "MODEL.RLQ.NUM_CLOTHES", "6"]
BACKGROUND, CLOTHES = (100, 100, 100), (200, 50, 50)


def _person(path, size=(32, 64)) -> None:
    """A grey crop with a coloured person from 10% to 95% of the height, in the middle columns."""
    w, h = size
    image = np.full((h, w, 3), BACKGROUND, np.uint8)
    image[int(0.1 * h):int(0.95 * h), w // 4:3 * w // 4] = CLOTHES
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(image).save(path)


def _ltcc(root) -> list:
    """A tiny LTCC folder: 2 people x 2 outfits x 2 images in train, one query and gallery image."""
    for pid in (1, 2):
        for clothes in (1, 2):
            for frame in (1, 2):
                _person(str(root / ltcc.format_path("train", pid, clothes, clothes, frame)))
    _person(str(root / ltcc.format_path("query", 3, 1, 1, 1)))
    _person(str(root / ltcc.format_path("gallery", 3, 1, 2, 1)))
    return DATASET_REGISTRY.get("LTCC")(root=str(root)).train


def _to_tensor(image) -> torch.Tensor:
    return torch.from_numpy(np.asarray(image).copy()).permute(2, 0, 1)


# ---- 1. Celeb-reID and the published TAD ----

def test_celeb_reid_reader_reads_the_published_layout(tmp_path):
    names = {"train": ["1_1_0.jpg", "1_2_0.jpg", "7_31_1.jpg", "-1_1_0.jpg"], "query": ["20_1_0.jpg"],
             "gallery": ["20_2_0.jpg", "20_3_1.jpg"]}
    for split, files in names.items():
        for name in files:
            _person(str(tmp_path / "Celeb-reID" / split / name))
    data = DATASET_REGISTRY.get("CelebReID")(root=str(tmp_path))
    train = sorted((os.path.basename(p), pid, cam) for p, pid, cam in data.train)
    assert train == [("1_1_0.jpg", "celebreid_1", "celebreid_0"), ("1_2_0.jpg", "celebreid_1", "celebreid_1"),
                     ("7_31_1.jpg", "celebreid_7", "celebreid_2")]  # junk pid -1 skipped; camera: first digit - 1
    assert [(pid, cam) for _, pid, cam in data.query] == [(20, 0)]
    assert [(pid, cam) for _, pid, cam in data.gallery] == [(20, 1), (20, 2)]
    from cfat_plugin.data.clothes import clothes_of_path

    clothes = [clothes_of_path(p) for p, _, _ in data.query + data.gallery + data.train]
    assert len(set(clothes)) == len(clothes) == 6  # each image its own clothes, as published


def test_published_configs_distil_on_celeb_reid_with_its_teacher_and_the_two_gpu_batch():
    for name in ("ltcc.yml", "prcc.yml"):
        cfg = load_config(os.path.join(PROJECT, name))
        assert cfg.MODEL.RLQ.TAD.DATASET == "CelebReID" and cfg.MODEL.RLQ.TAD.ENABLED
        assert cfg.MODEL.RLQ.RECOLOUR.ENABLED  # recoloured replicas on, as published
        assert cfg.SOLVER.IMS_PER_BATCH == 56  # 28 per GPU x 2 GPUs
        teacher = load_config(os.path.join(REPO_ROOT, cfg.MODEL.TEACHER.CONFIG_FILE))
        assert teacher.DATASETS.NAMES == ("CelebReID",) and not teacher.MODEL.RLQ.CAP.ENABLED
    synth = load_config(os.path.join(PROJECT, "synth_ltcc_r18.yml"))
    assert synth.MODEL.RLQ.TAD.DATASET == "SynthExternal" and not synth.MODEL.RLQ.RECOLOUR.ENABLED


# ---- 2. recoloured replicas ----

def test_every_training_image_gets_a_recoloured_replica_with_a_new_clothes_id(tmp_path):
    from cfat_plugin.rlq.recolour import ALPHA, CLASSES_PER_IDENTITY, PALETTE, ClothesReplicas

    items = _ltcc(tmp_path)
    dataset = AttributeDataset(items, _to_tensor, unknown=("gender", "pose"), replicas=ClothesReplicas())
    assert dataset.num_original_clothes == 4  # 2 people x 2 outfits
    assert dataset.num_clothes == 4 + 2 * CLASSES_PER_IDENTITY
    for index in range(len(dataset)):
        sample = dataset[index]
        pid, clothes = sample["targets"], sample["replica_clothes"]
        first = 4 + pid * CLASSES_PER_IDENTITY
        assert first <= clothes < first + CLASSES_PER_IDENTITY
        pant, shirt = divmod(clothes - first, len(PALETTE))
        original, replica = sample["images"].numpy(), sample["replica_images"].numpy()
        assert (replica[:, 0, 0] == original[:, 0, 0]).all()  # background kept
        expected = [round((1 - ALPHA) * c + ALPHA * p) for c, p in zip(CLOTHES, PALETTE[shirt][1])]
        assert replica[:, 20, 16].tolist() == expected  # torso: shirt colour
        expected = [round((1 - ALPHA) * c + ALPHA * p) for c, p in zip(CLOTHES, PALETTE[pant][1])]
        assert replica[:, 50, 16].tolist() == expected  # legs: trousers colour
    pids, clothes = dataset.identity_clothes()
    assert sorted(c for p, c in zip(pids, clothes) if p == 1 and c >= 4) == list(range(4 + 81, 4 + 2 * 81))


def test_replicas_join_the_batch_as_more_images_of_the_same_people():
    batch = {"images": torch.zeros(2, 3, 8, 4), "replica_images": torch.ones(2, 3, 8, 4),
             "targets": torch.tensor([0, 1]), "clothes": torch.tensor([3, 4]), "replica_clothes": torch.tensor([90, 180]),
             "gender": torch.tensor([1, 0]), "pose": torch.tensor([2, 5])}
    merged = RLQ.with_replicas(batch)
    assert merged["images"].shape == (4, 3, 8, 4) and merged["images"][2:].eq(1).all()
    assert merged["targets"].tolist() == [0, 1, 0, 1] and merged["clothes"].tolist() == [3, 4, 90, 180]
    assert merged["gender"].tolist() == [1, 0, 1, 0] and merged["pose"].tolist() == [2, 5, 2, 5]


# ---- 3. attributes by identity ----

PRCC_PATHS = ["/d/prcc/rgb/train/092/A_cropped_rgb001.jpg", "/d/prcc/rgb/train/095/A_cropped_rgb001.jpg",
              "/d/prcc/rgb/train/095/C_cropped_rgb004.jpg"]


def test_prcc_names_repeat_across_identities_so_lookups_are_keyed_pid_and_name(tmp_path):
    (tmp_path / "pose.csv").write_text("image,pose\n092_A_cropped_rgb001,3\n095_A_cropped_rgb001,9\n"
                                       "095_C_cropped_rgb004,4\n")
    _, poses = attribute_labels(PRCC_PATHS, 15, pose_csv=str(tmp_path / "pose.csv"))
    assert poses == [3, 9, 4]
    (tmp_path / "published.csv").write_text("Category,Image,R_LA_10,R_LA_15\ntrain,092_A_cropped_rgb001,1.0,7.0\n"
                                            "train,095_A_cropped_rgb001,2.0,12.0\n")
    _, poses = attribute_labels(PRCC_PATHS, 15, pose_csv=str(tmp_path / "published.csv"))
    assert poses == [7, 12, 0]  # the R_LA_15 column; an image without a row: no pose


def test_the_published_gender_file_gives_gender_per_identity(tmp_path):
    (tmp_path / "PRCC_Gender.csv").write_text("Category,ID,Gender\ntrain,092,1\ntrain,095,0\n")
    genders, _ = attribute_labels(PRCC_PATHS + ["/d/prcc/rgb/train/101/B_cropped_rgb002.jpg"], 15,
                                  gender_csv=str(tmp_path / "PRCC_Gender.csv"), pose_csv="", pids=[92, 95, 95, 101])
    assert genders == [1, 0, 0, UNKNOWN_GENDER]


def test_a_real_set_without_attribute_files_stops_unless_the_config_says_otherwise(tmp_path):
    _ltcc(tmp_path)
    cfg = load_config(os.path.join(PROJECT, "synth_ltcc_r18.yml"), SMALL + [
        "DATASETS.NAMES", "('LTCC',)", "DATASETS.ROOT", str(tmp_path)])
    with pytest.raises(TrainingDataError, match="GENDER_CSV.*Category,ID,Gender.*POSE_CSV.*WITHOUT_ATTRIBUTES"):
        target_train_set(cfg)
    cfg.defrost()
    (tmp_path / "gender.csv").write_text("Category,ID,Gender\ntrain,1,1\ntrain,2,0\n")
    cfg.MODEL.RLQ.CAP.GENDER_CSV = str(tmp_path / "gender.csv")
    with pytest.raises(TrainingDataError, match="POSE_CSV") as error:  # one file is not enough
        target_train_set(cfg)
    assert "GENDER_CSV" not in str(error.value)
    cfg.MODEL.RLQ.CAP.WITHOUT_ATTRIBUTES = True
    dataset = target_train_set(cfg)
    assert sorted(set(dataset.gender)) == [0, 1] and set(dataset.pose) == {-1}  # the pose term off
    cfg.MODEL.RLQ.CAP.GENDER_CSV = ""
    dataset = target_train_set(cfg)
    assert set(dataset.gender) == {-1} and set(dataset.pose) == {-1}  # both terms off
    model = build_model(cfg).train()
    batch = {"images": torch.rand(8, 3, 64, 32) * 255, "targets": torch.arange(8) % 4,
             "gender": torch.full((8,), -1), "pose": torch.full((8,), -1)}
    losses = model(batch)
    assert losses["loss_gender"].item() == 0 and losses["loss_pose"].item() == 0


# ---- 4. published training details ----

def test_gender_and_pose_ce_are_label_smoothed():
    torch.manual_seed(0)
    model = build_model(load_config(os.path.join(PROJECT, "synth_ltcc_r18.yml"), SMALL)).train()
    g = torch.Generator().manual_seed(0)
    batch = {"images": torch.rand(8, 3, 64, 32, generator=g) * 255, "targets": torch.arange(8) % 4,
             "gender": torch.tensor([0, 1, -1, 1] * 2), "pose": torch.arange(8) % 5}
    losses = model(batch)
    with torch.no_grad():
        _, f2, f3 = model.embeddings(model.preprocess(batch["images"]), with_pose=True)
    known = batch["gender"] >= 0
    gender = F.cross_entropy(model.gender_head(f2[known]), batch["gender"][known], label_smoothing=0.1)
    pose = F.cross_entropy(model.pose_head(f3), batch["pose"], label_smoothing=0.1)
    assert losses["loss_gender"].item() == pytest.approx(gender.item(), rel=1e-4)
    assert losses["loss_pose"].item() == pytest.approx(pose.item(), rel=1e-4)


def test_high_and_low_quality_views_get_independent_augmentation_draws(tmp_path):
    _person(str(tmp_path / "a.jpg"))
    pairs = ExternalPairs([(str(tmp_path / "a.jpg"), 0, 0)], lambda image: torch.rand(4), LowQualityPair("ltcc", 0))
    torch.manual_seed(0)
    sample = pairs[0]
    assert not torch.equal(sample["images"], sample["lq_images"])


def test_best_epoch_is_reported_beside_the_final_model_and_labelled_as_test_selection():
    from cfat_plugin.rlq.epoch_record import TEST_SELECTION, summary

    evaluations = [{"epoch": e, "results": {"LTCC": {"cc_Rank-1": r, "mAP": 10.0 + e}}}
                   for e, r in ((5, 30.0), (10, 41.0), (15, 38.0))]
    report = summary(evaluations)
    assert report["final"]["epoch"] == 15 and report["final"]["results"]["LTCC"]["cc_Rank-1"] == 38.0
    best = report["best_epoch_selected_on_test"]["LTCC"]
    assert best["epoch"] == 10 and best["key"] == "cc_Rank-1" and best["scores"]["cc_Rank-1"] == 41.0
    assert report["selection"] == TEST_SELECTION and "test set" in TEST_SELECTION
