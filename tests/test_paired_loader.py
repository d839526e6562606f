"""Paired clean/corrupted training views through FastReID's sampler, collator and loader, on CPU."""
import numpy as np
import pytest
import torch

from cfat_plugin.data.corruptions import CORRUPTION_TYPES, corrupt
from cfat_plugin.data.paired import PairedCorruptionDataset, PositionTaggedSampler, build_paired_train_loader

DETERMINISTIC_INPUT = ["INPUT.FLIP.ENABLED", "False", "INPUT.PADDING.ENABLED", "False", "INPUT.REA.ENABLED", "False"]


def _cfg(base, *opts):
    """Paired views corrupted by the reference backend (each test of the torch one says so) at the input size."""
    cfg = base.clone()
    cfg.defrost()
    cfg.merge_from_list(["DATASETS.CORRUPTION.TRAIN.ENABLED", "True", "DATASETS.CORRUPTION.TRAIN.SEED", "5",
                         "DATASETS.CORRUPTION.TRAIN.BACKEND", "reference", "DATASETS.CORRUPTION.TRAIN.TORCH_SIZE", "[]",
                         *opts])
    return cfg


def test_the_default_training_views_are_corrupted_by_the_reference_in_the_dataset(tiny_baseline_cfg):
    from cfat_plugin.data.batch_corruption import CorruptingLoader

    cfg = tiny_baseline_cfg.clone()
    cfg.defrost()
    cfg.DATASETS.CORRUPTION.TRAIN.ENABLED = True
    assert cfg.DATASETS.CORRUPTION.TRAIN.BACKEND == "reference" and list(cfg.DATASETS.CORRUPTION.TRAIN.TORCH_SIZE) == []
    np.random.seed(0)
    loader = build_paired_train_loader(cfg)
    assert not isinstance(loader, CorruptingLoader) and loader.dataset.backend == "reference"


def _batches(cfg, count, sampler_seed=0):
    np.random.seed(sampler_seed)  # FastReID's samplers take their seed from the global RNG
    loader = build_paired_train_loader(cfg)
    iterator = iter(loader)
    return loader, [next(iterator) for _ in range(count)]


def test_batches_hold_both_views_with_ids_and_cameras(tiny_baseline_cfg):
    from fastreid.data.samplers import NaiveIdentitySampler

    cfg = _cfg(tiny_baseline_cfg, *DETERMINISTIC_INPUT)
    loader, (batch,) = _batches(cfg, 1)
    dataset = loader.dataset
    assert isinstance(dataset, PairedCorruptionDataset)
    assert isinstance(loader.batch_sampler.sampler.sampler, NaiveIdentitySampler)
    assert set(batch) == {"images", "clean_images", "targets", "camids", "img_paths", "corruption_types",
                          "corruption_severities"}
    assert batch["images"].shape == batch["clean_images"].shape == (16, 3, 64, 32)

    items = {path: (pid, camid) for path, pid, camid in dataset.img_items}
    expected = [items[p] for p in batch["img_paths"]]
    assert batch["targets"].tolist() == [dataset.pid_dict[pid] for pid, _ in expected]
    assert batch["camids"].tolist() == [dataset.cam_dict[camid] for _, camid in expected]
    counts = torch.bincount(batch["targets"])
    assert sorted(counts[counts > 0].tolist()) == [4, 4, 4, 4]  # P x K = 4 identities x 4 images

    # Each view is the stock transform of the file, and of its corrupted copy (drawn at stream position i).
    index_of = {item[0]: i for i, item in enumerate(dataset.img_items)}
    for i, path in enumerate(batch["img_paths"]):
        clean, corrupted, draw = dataset.views(index_of[path], position=i)
        assert torch.equal(batch["clean_images"][i], dataset.transform(clean))
        assert torch.equal(batch["images"][i], dataset.transform(corrupted))
        if draw is None:
            assert batch["corruption_types"][i] == -1 and batch["corruption_severities"][i] == 0
        else:
            assert CORRUPTION_TYPES[batch["corruption_types"][i]] == draw.name
            assert batch["corruption_severities"][i] == draw.severity
            np.testing.assert_array_equal(np.asarray(corrupted),
                                          corrupt(np.asarray(clean), draw.name, draw.severity, draw.seed))
    assert (batch["corruption_types"] >= 0).sum() >= 12
    assert not torch.equal(batch["images"], batch["clean_images"])


def test_same_batches_with_any_number_of_workers(tiny_baseline_cfg):
    runs = []
    for workers in ("0", "2"):
        cfg = _cfg(tiny_baseline_cfg, *DETERMINISTIC_INPUT, "DATALOADER.NUM_WORKERS", workers)
        runs.append(_batches(cfg, 3)[1])
    for one, other in zip(*runs):
        assert one["img_paths"] == other["img_paths"]
        for key in ("images", "clean_images", "targets", "camids", "corruption_types", "corruption_severities"):
            assert torch.equal(one[key], other[key]), key


def test_same_geometry_replays_the_augmentation(tiny_baseline_cfg):
    # Flip + pad/crop + random erasing on; the "corrupted" view kept clean to compare geometry only.
    base = ["INPUT.REA.ENABLED", "True", "DATASETS.CORRUPTION.TRAIN.CLEAN_PROB", "1.0"]
    _, same = _batches(_cfg(tiny_baseline_cfg, *base, "DATASETS.CORRUPTION.TRAIN.SAME_GEOMETRY", "True"), 2)
    _, independent = _batches(_cfg(tiny_baseline_cfg, *base), 2)
    for batch in same:
        assert torch.equal(batch["images"], batch["clean_images"])
        assert (batch["corruption_types"] == -1).all()
    differing = sum(not torch.equal(b["images"][i], b["clean_images"][i]) for b in independent for i in range(16))
    assert differing >= 8



@pytest.mark.parametrize("backend", ["reference", "torch"])
def test_without_the_clean_view_the_student_view_is_unchanged(tiny_baseline_cfg, backend):
    opts = [*DETERMINISTIC_INPUT, "DATASETS.CORRUPTION.TRAIN.BACKEND", backend]
    _, with_clean = _batches(_cfg(tiny_baseline_cfg, *opts), 2)
    loader, alone = _batches(_cfg(tiny_baseline_cfg, *opts, "DATASETS.CORRUPTION.TRAIN.CLEAN_VIEW", "False"), 2)
    assert not loader.dataset.clean_view
    for one, other in zip(with_clean, alone):
        assert set(one) - set(other) == {"clean_images"} and set(other) <= set(one)
        assert one["img_paths"] == other["img_paths"]
        for key in set(other) - {"img_paths"}:
            assert torch.equal(one[key], other[key]), key
        assert (other["corruption_types"] >= 0).sum() >= 8

def test_held_out_types_and_chosen_severities(tiny_baseline_cfg):
    cfg = _cfg(tiny_baseline_cfg, "DATASETS.CORRUPTION.TRAIN.TYPES", "['fog', 'rain']",
               "DATASETS.CORRUPTION.TRAIN.SEVERITIES", "[5]", "DATASETS.CORRUPTION.TRAIN.CLEAN_PROB", "0.0")
    loader, batches = _batches(cfg, 2)
    assert loader.dataset.types == ("fog", "rain")
    types = torch.cat([b["corruption_types"] for b in batches])
    assert set(types.tolist()) == {0, 1}
    assert (torch.cat([b["corruption_severities"] for b in batches]) == 5).all()

    with pytest.raises(KeyError, match="unknown corruption 'foggy'"):
        build_paired_train_loader(_cfg(tiny_baseline_cfg, "DATASETS.CORRUPTION.TRAIN.TYPES", "['foggy']"))


def test_draws_follow_seed_position_and_epoch():
    items = [(f"/data/{i}.jpg", i // 2, i % 2) for i in range(2000)]
    dataset = PairedCorruptionDataset(items, clean_prob=1 / 21, seed=3)
    by_position = [dataset.draw(i, position=i) for i in range(2000)]
    assert by_position == [dataset.draw(i, position=i) for i in range(2000)]
    assert by_position != [dataset.draw(i, position=i + 2000) for i in range(2000)]  # next pass: fresh draws
    assert by_position != [PairedCorruptionDataset(items, seed=4).draw(i, position=i) for i in range(2000)]
    clean = sum(d is None for d in by_position)
    assert abs(clean - 2000 / 21) < 5 * np.sqrt(2000 * (1 / 21) * (20 / 21))  # binomial, 5 sigma

    epoch0 = [dataset.draw(i) for i in range(100)]
    dataset.set_epoch(1)
    assert epoch0 != [dataset.draw(i) for i in range(100)]
    dataset.set_epoch(0)
    assert epoch0 == [dataset.draw(i) for i in range(100)]
    with pytest.raises(ValueError, match="clean_prob"):
        PairedCorruptionDataset(items, clean_prob=1.5)


def test_positions_are_global_across_ddp_ranks():
    class RankOneOfTwo(list):
        _rank, _world_size = 1, 2

    tagged = list(PositionTaggedSampler(RankOneOfTwo([7, 3, 9])))
    assert tagged == [(7, 1), (3, 3), (9, 5)]  # items 1, 3, 5 of the shared stream


def test_torch_backend_corrupts_after_collation_with_the_same_draws(tiny_baseline_cfg):
    from cfat_plugin.data.batch_corruption import CorruptingLoader
    from cfat_plugin.data.corruptions.torch_backend import corrupt_batch

    torch_cfg = _cfg(tiny_baseline_cfg, *DETERMINISTIC_INPUT, "DATASETS.CORRUPTION.TRAIN.BACKEND", "torch")
    loader, (batch,) = _batches(torch_cfg, 1)
    _, (reference,) = _batches(_cfg(tiny_baseline_cfg, *DETERMINISTIC_INPUT), 1)
    assert isinstance(loader, CorruptingLoader) and isinstance(loader.dataset, PairedCorruptionDataset)
    assert set(batch) == set(reference) | {"corruption_seeds"}
    # Same samples and the same draws as the reference backend; only who corrupts differs.
    assert batch["img_paths"] == reference["img_paths"]
    for key in ("clean_images", "targets", "corruption_types", "corruption_severities"):
        assert torch.equal(batch[key], reference[key]), key

    dataset = loader.dataset
    index_of = {item[0]: i for i, item in enumerate(dataset.img_items)}
    for i, path in enumerate(batch["img_paths"]):
        clean, second, draw = dataset.views(index_of[path], position=i)
        assert second is clean  # the workers leave the student's view clean
        view = dataset.transform(clean)
        if draw is None:
            assert torch.equal(batch["images"][i], view) and batch["corruption_seeds"][i] == 0
        else:
            assert batch["corruption_seeds"][i] == draw.seed
            expected = corrupt_batch(view[None], [draw.name], [draw.severity], [draw.seed])[0]
            assert torch.equal(batch["images"][i], expected), draw
    assert (batch["corruption_types"] >= 0).sum() >= 12
    assert not torch.equal(batch["images"], batch["clean_images"])


def test_torch_backend_same_batches_with_any_number_of_workers(tiny_baseline_cfg):
    runs = []
    for workers in ("0", "2"):
        cfg = _cfg(tiny_baseline_cfg, *DETERMINISTIC_INPUT, "DATALOADER.NUM_WORKERS", workers,
                   "DATASETS.CORRUPTION.TRAIN.BACKEND", "torch")
        runs.append(_batches(cfg, 2)[1])
    for one, other in zip(*runs):
        assert torch.equal(one["images"], other["images"])


def test_torch_backend_refuses_types_without_a_torch_version(tiny_baseline_cfg):
    with pytest.raises(ValueError, match="BACKEND must be one of"):
        build_paired_train_loader(_cfg(tiny_baseline_cfg, "DATASETS.CORRUPTION.TRAIN.BACKEND", "numba"))
    import cfat_plugin.rlq.lowquality  # noqa: F401  (registers RLQ's low-quality types, reference only)

    with pytest.raises(KeyError, match="has no torch version"):
        build_paired_train_loader(_cfg(tiny_baseline_cfg, "DATASETS.CORRUPTION.TRAIN.BACKEND", "torch",
                                       "DATASETS.CORRUPTION.TRAIN.TYPES", "['rlq_pixelate']"))


def test_trainer_trains_on_the_torch_backend_batches(tiny_baseline_cfg):
    from fastreid.utils.events import EventStorage

    from cfat_plugin.data.batch_corruption import CorruptingLoader
    from cfat_plugin.engine import ReIDTrainer

    cfg = _cfg(tiny_baseline_cfg, "DATASETS.CORRUPTION.TRAIN.BACKEND", "torch")
    np.random.seed(0)
    torch.manual_seed(0)
    trainer = ReIDTrainer(cfg)  # FastReID reads the class count and epoch length from loader.dataset
    assert isinstance(trainer._trainer.data_loader, CorruptingLoader)
    trainer.resume_or_load(resume=False)
    before = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
    with EventStorage(0) as storage:
        for step in range(2):
            trainer.iter = storage.iter = step
            trainer.run_step()
            assert np.isfinite(storage.history("total_loss").latest())
    assert any(not torch.equal(before[n], p) for n, p in trainer.model.named_parameters())
