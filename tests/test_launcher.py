"""Stage processes forked from a pre-imported server: their output reaches the log and the caller line by
line, a failure comes back as its exit code with the error in the log."""
import os

import pytest

from cfat_plugin.demo import launcher
from cfat_plugin.demo.launcher import _follow, forkserver_available, run_stage_process
from cfat_plugin.demo.stages import StageRequest


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
        _follow(log, running, lines.append)
    assert lines == ["iter 1", "cells:  10%", "cells:  20%", "last line without end"]


@pytest.mark.skipif(not forkserver_available(), reason="no forkserver on this platform")
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


def test_without_forkserver_the_stage_runs_in_a_fresh_interpreter(tmp_path, monkeypatch):
    monkeypatch.setattr(launcher, "forkserver_available", lambda: False)
    request = StageRequest("train_net", str(tmp_path / "missing.yml"), str(tmp_path / "out"))
    request_path = str(tmp_path / "request.json")
    request.write(request_path)
    lines = []
    code = run_stage_process(request_path, str(tmp_path / "stage.log"), dict(os.environ), os.getcwd(), lines.append)
    assert code != 0 and any("missing.yml" in line for line in lines)
