"""Stage processes forked from a pre-imported stage server: their output reaches the log and the caller line
by line, a failure comes back as its exit code with the error in the log, the caller's environment reaches
the stage."""
import os

import pytest
from conftest import REPO_ROOT

from cfat_plugin.demo import launcher
from cfat_plugin.demo.launcher import fork_available, follow, run_stage_process
from cfat_plugin.demo.stages import StageRequest, config_pairs


def test_follow_passes_every_line_once_and_what_was_written_just_before_the_writer_stopped(tmp_path):
    path = tmp_path / "stage.log"
    path.write_text("")
    writes = iter(["iter 1\n", "cells:  10%\rcells:  20%\r", "", "last line without end"])
    state = {"alive": True}

    def running() -> bool:
        step = next(writes, None)
        if step is None:
            state["alive"] = False
        else:
            with open(path, "a") as f:
                f.write(step)
        return state["alive"]

    lines = []
    with open(path, newline="") as log:
        follow(log, running, lines.append)
    assert lines == ["iter 1", "cells:  10%", "cells:  20%", "last line without end"]


@pytest.mark.skipif(not fork_available(), reason="no os.fork on this platform")
def test_a_failing_stage_returns_its_exit_code_with_its_error_in_the_log(tmp_path):
    request = StageRequest("train_net", str(tmp_path / "missing.yml"), str(tmp_path / "out"))
    request_path = str(tmp_path / "request.json")
    request.write(request_path)
    log_path = str(tmp_path / "stage.log")
    lines = []
    code = run_stage_process(request_path, log_path, dict(os.environ), str(tmp_path), lines.append)
    assert code != 0
    text = open(log_path).read()
    assert "missing.yml" in text
    assert lines and "\n".join(lines) in text  # the caller saw what the log holds, as it came


def test_without_fork_the_stage_runs_in_a_fresh_interpreter(tmp_path, monkeypatch):
    monkeypatch.setattr(launcher, "fork_available", lambda: False)
    request = StageRequest("train_net", str(tmp_path / "missing.yml"), str(tmp_path / "out"))
    request_path = str(tmp_path / "request.json")
    request.write(request_path)
    lines = []
    code = run_stage_process(request_path, str(tmp_path / "stage.log"), dict(os.environ), os.getcwd(), lines.append)
    assert code != 0 and any("missing.yml" in line for line in lines)


@pytest.mark.skipif(not fork_available(), reason="no os.fork on this platform")
def test_two_stages_in_a_row_each_get_their_callers_environment_and_folder(tmp_path):
    """The server outlives a stage; each stage runs in its caller's folder (a relative OUTPUT_DIR lands
    there) with its caller's environment (FASTREID_DATASETS, where CUHK01 is looked for)."""
    config = os.path.join(REPO_ROOT, "projects", "CFAT", "synthreid_r18_teacher.yml")
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        request = StageRequest("train_net", config, "out", config_pairs(
            ["DATASETS.NAMES", ("CUHK01",), "DATASETS.TESTS", ("CUHK01",), "DATASETS.ROOT", ""]))
        request_path = str(folder / "request.json")
        request.write(request_path)
        env = {**os.environ, "FASTREID_DATASETS": str(tmp_path / f"nowhere-{name}")}
        log = folder / "stage.log"
        assert run_stage_process(request_path, str(log), env, str(folder), lambda line: None) != 0
        assert (folder / "out" / "config.yaml").is_file()
        assert f"nowhere-{name}" in log.read_text()
