"""Starting a stage's process from a server that has imported the package already.

A stage keeps its own process (a crash, a leak or FastReID's logging set-up stays there; training
resumes from its own checkpoints), but a fresh interpreter spends 4-6 s importing torch,
torchvision, FastReID and every method before its first line, about a minute over the demo's ten
stages. Here each stage is forked from multiprocessing's *forkserver*, a process started once that
imported the package and never runs a torch operation: a child forked from a process that ran an
OpenMP region would hang in its own first one, so forking the demo's main process itself is not safe.
Where forkserver does not exist (Windows), the stage runs in a fresh interpreter as before.

The child writes its output to the stage's log file; the caller follows the file and gets each line
(carriage returns of progress bars count as line ends, as for a text pipe).
"""
import multiprocessing
import os
import re
import subprocess
import sys
import time
from typing import Callable, Dict

from .stages import StageRequest

# What the server imports once: the package (torch, FastReID, every registration) and the entry points.
PRELOAD = ["cfat_plugin", "cfat_plugin.demo.stages", "cfat_plugin.engine.entry_points"]
_LINE_END = re.compile(r"\r\n|\r|\n")
POLL_S = 0.2  # how often the log is read while the stage runs


def forkserver_available() -> bool:
    return "forkserver" in multiprocessing.get_all_start_methods()


def _stage_child(request_path: str, log_path: str, env: Dict[str, str], cwd: str) -> None:
    """In the forked child: the caller's environment and folder, output into the log, then the stage."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdout.reconfigure(line_buffering=True)  # progress reaches the log (and the caller) line by line
    sys.stderr.reconfigure(line_buffering=True)
    from .stages import main

    main([request_path])


def run_stage_process(request_path: str, log_path: str, env: Dict[str, str], cwd: str,
                      on_line: Callable[[str], None]) -> int:
    """Run the stage of ``request_path`` in its own process, its output appended to ``log_path``;
    ``on_line`` gets each line as it comes. Returns the process's exit code."""
    if not forkserver_available():
        return _run_in_interpreter(request_path, log_path, env, cwd, on_line)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    with open(log_path, "a"):
        pass
    with open(log_path, "r", errors="replace", newline="") as log:
        log.seek(0, os.SEEK_END)
        child = context.Process(target=_stage_child, args=(request_path, log_path, dict(env), cwd),
                                name="cfat-stage")
        child.start()
        try:
            _follow(log, child.is_alive, on_line)
        finally:
            if child.is_alive():  # the caller was interrupted: the stage stops with it
                child.terminate()
            child.join()
    return child.exitcode


def _follow(log, running: Callable[[], bool], on_line: Callable[[str], None]) -> None:
    """Pass every complete line of ``log`` to ``on_line`` until the writer has stopped and all is read."""
    pending = ""
    while True:
        alive = running()  # asked before reading: whatever it wrote before stopping is read below
        chunk = log.read()
        if chunk:
            parts = _LINE_END.split(pending + chunk)
            pending = parts.pop()
            for line in parts:
                on_line(line)
        elif not alive:
            break
        else:
            time.sleep(POLL_S)
    if pending:
        on_line(pending)


def _run_in_interpreter(request_path: str, log_path: str, env: Dict[str, str], cwd: str,
                        on_line: Callable[[str], None]) -> int:
    """The stage in a fresh ``python -m cfat_plugin.demo.stages`` (no forkserver here)."""
    with open(log_path, "a", buffering=1) as log:
        child = subprocess.Popen(StageRequest.command(request_path), cwd=cwd, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in child.stdout:
            log.write(line)
            on_line(line.rstrip("\n"))
        return child.wait()
