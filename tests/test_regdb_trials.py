"""RegDB's protocol over trials (cfat_plugin.mcja.regdb_trials): one model per trial, resumable, reported."""
import json
import math
import os
from pathlib import Path

import pytest

from cfat_plugin.data.synthetic.layouts import regdb
from cfat_plugin.mcja.regdb_trials import METRICS, main, parse_trials, run_trials, trial_config


def test_trials_are_one_word_so_config_changes_can_follow():
    assert parse_trials("1-10") == list(range(1, 11))
    assert parse_trials("1-3,7") == [1, 2, 3, 7] and parse_trials("4") == [4]
    for bad in ("0-3", "11", "one", ""):
        with pytest.raises(Exception, match="trials"):
            parse_trials(bad)


def test_a_trials_config_holds_its_trial_and_the_readers_read_it(tmp_path):
    from cfat_plugin.data.datasets.visible_infrared import trial_option

    cfg = trial_config("projects/MCJA/synthregdb_r18.yml", 3, ["OUTPUT_DIR", str(tmp_path)])
    assert cfg.DATASETS.VISIBLE_INFRARED.TRIAL == 3 and cfg.OUTPUT_DIR == str(tmp_path / "trial3")
    assert "TRIAL: 3" in cfg.dump()  # saved with the run (config.yaml)
    assert trial_option(None) == 3  # what a RegDB reader built from its root alone reads


def _persons(items) -> set:
    """RegDB's person ids of ``items``, from their paths (``Visible/<pid>/...``): labels restart at 0 in every trial."""
    return {int(Path(path).parent.name) for path, *_ in items}


def _index_persons(folder: str, split: str, trial: int) -> set:
    """The persons in ``trial``'s ``split`` index files, visible and thermal."""
    return {int(Path(rel).parent.name) for modality in ("visible", "infrared")
            for rel, _ in regdb.read_index(os.path.join(folder, regdb.index_file(split, modality, trial)))}


def _record_trials(monkeypatch):
    """Per trial (``trial<n>``, its OUTPUT_DIR), the training items of every RegDB reader built while
    it trained, and the reader it was tested on."""
    from cfat_plugin.data.datasets.regdb import RegDBVI
    from cfat_plugin.mcja import comparison
    from cfat_plugin.mcja import evaluation

    read, train_arm, evaluate = RegDBVI.read, comparison.train_arm, evaluation.evaluate_regdb_like
    reads, trained, tested = [], {}, {}

    def recording_read(self, folder):
        split = read(self, folder)
        reads.append(split[0])
        return split

    def recording_train_arm(cfg, iters_per_epoch=None):
        first = len(reads)
        model = train_arm(cfg, iters_per_epoch)
        trained[os.path.basename(cfg.OUTPUT_DIR)] = reads[first:]
        return model

    def recording_evaluate(cfg, model, data):
        tested[os.path.basename(cfg.OUTPUT_DIR)] = data
        return evaluate(cfg, model, data)

    monkeypatch.setattr(RegDBVI, "read", recording_read)
    monkeypatch.setattr(comparison, "train_arm", recording_train_arm)
    monkeypatch.setattr(evaluation, "evaluate_regdb_like", recording_evaluate)
    return trained, tested


@pytest.mark.slow
def test_two_trials_train_two_models_on_their_own_ids_and_resume(tmp_path, one_torch_thread, monkeypatch):
    trained, tested = _record_trials(monkeypatch)
    opts = ["DATASETS.ROOT", str(tmp_path / "data"), "OUTPUT_DIR", str(tmp_path / "out"), "SOLVER.MAX_EPOCH", "1",
            "SOLVER.CHECKPOINT_PERIOD", "1", "INPUT.SIZE_TRAIN", "[64, 32]", "INPUT.SIZE_TEST", "[64, 32]",
            "SOLVER.IMS_PER_BATCH", "16", "DATALOADER.NUM_INSTANCE", "4", "DATALOADER.NUM_WORKERS", "0",
            "MODEL.MCJA.MSER.ENABLED", "False"]
    config = "projects/MCJA/synthregdb_r18.yml"
    store = main(["--config-file", config, "--iters-per-epoch", "2", "--trials", "1-2"] + opts)  # KEY VALUE right after
    per_trial = store.results["model"]
    assert set(per_trial) == {"1", "2"}
    for scores in per_trial.values():
        assert set(scores) == set(METRICS)
        assert all(0.0 <= v <= 100.0 and not math.isnan(v) for v in scores.values())
    assert per_trial["1"] != per_trial["2"]  # other train and test ids, another model
    for trial in (1, 2):  # each trained on its trial's train persons and tested on its test persons
        data = tested[f"trial{trial}"]
        train_persons, test_persons = (_index_persons(data.dataset_dir, split, trial) for split in ("train", "test"))
        built = [_persons(train) for train in trained[f"trial{trial}"]]  # every reader its training built
        assert built and built == [train_persons] * len(built)
        assert data.trial == trial and _persons(data.query) == _persons(data.gallery) == test_persons
        assert not train_persons & test_persons
    assert _index_persons(data.dataset_dir, "train", 1) != _index_persons(data.dataset_dir, "train", 2)
    out = tmp_path / "out"
    assert (out / "trial1" / "model_final.pth").exists() and (out / "trial2" / "model_final.pth").exists()
    md = (out / "regdb_trials.md").read_text()
    assert "| arm | trials |" in md and "| synthregdb_r18.yml | 2 |" in md
    assert json.loads((out / "regdb_trials.json").read_text())["results"] == store.results
    lines = []
    again = run_trials(config, [1, 2], str(out / "regdb_trials.json"), opts, 2, echo=lines.append)
    assert lines == [] and again.results == store.results  # nothing trains twice


def test_the_readmes_ten_trial_table_is_the_committed_results_file():
    """The MCJA README's RegDB table (mean ± std over the 10 trials) is read back from its results file."""
    import json
    import re

    import numpy as np

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "benchmarks", "results", "regdb_trials_synthregdb_r18.json")) as f:
        trials = next(iter(json.load(f)["results"].values()))
    assert sorted(trials, key=int) == [str(t) for t in range(1, 11)]
    readme = open(os.path.join(root, "projects", "MCJA", "README.md")).read()
    for direction, label in (("visible_to_thermal", "visible to thermal"), ("thermal_to_visible", "thermal to visible")):
        cells = []
        for metric in ("rank1", "mAP", "mINP"):
            values = np.array([trial[f"{direction}_{metric}"] for trial in trials.values()])
            cells.append(f"{values.mean():.2f} ± {values.std(ddof=1):.2f}")
        assert re.search(rf"\| {label} \| 10 \| {re.escape(' | '.join(cells))} \|", readme), (label, cells)
