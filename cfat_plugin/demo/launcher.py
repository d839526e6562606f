"""Starting a stage's process from a server that has imported the package already.

A stage keeps its own process (a crash, a leak or FastReID's logging set-up stays there; training
resumes from its own checkpoints), but a fresh interpreter spends 4-6 s importing torch,
torchvision, FastReID and every method before its first line: about a minute over the demo's ten
stages on 2 cores. Here one *stage server* (``python -m cfat_plugin.demo.stage_server``) imports the
package once and forks a child per stage. The server never runs a torch operation, so each child
starts with a clean OpenMP thread pool (a child forked from a process that ran an OpenMP region hangs
in its first one: forking the caller, which may have, is not safe), and the child's own data-loader
workers are plain forks as in any training process. Python's ``forkserver`` is not used: its
children import the caller's main script again and start their loader workers through it too
(16 s more per test loader here).

The child writes its output to the stage's log file; the caller follows the file and gets each line
(carriage returns of progress bars count as line ends, as for a text pipe). Where ``os.fork`` does
not exist (Windows) every stage runs in a fresh interpreter.
"""
import atexit
import json
import os
import re
import select
import subprocess
import sys
import time
from typing import Callable, Dict, Optional

from .stages import StageRequest

_LINE_END = re.compile(r"\r\n|\r|\n")
POLL_S = 0.2  # how often the log is read while a stage runs
_server: Optional[subprocess.Popen] = None


def fork_available() -> bool:
    return hasattr(os, "fork")


def _stage_server(env: Dict[str, str], cwd: str) -> subprocess.Popen:
    """The running stage server, started on first use (and again if it has stopped)."""
    global _server
    if _server is None or _server.poll() is not None:
        _server = subprocess.Popen([sys.executable, "-m", "cfat_plugin.demo.stage_server"], cwd=cwd, env=env,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        atexit.register(_stop_server, _server)
    return _server


def _stop_server(server: subprocess.Popen) -> None:
    """Close the server's input: it finishes the stage it runs, if any, and exits."""
    if server.poll() is None:
        server.stdin.close()
        server.wait()


def run_stage_process(request_path: str, log_path: str, env: Dict[str, str], cwd: str,
                      on_line: Callable[[str], None]) -> int:
    """Run the stage of ``request_path`` in its own process, its output appended to ``log_path``;
    ``on_line`` gets each line as it comes. Returns the process's exit code."""
    if not fork_available():
        return _run_in_interpreter(request_path, log_path, env, cwd, on_line)
    server = _stage_server(env, cwd)
    with open(log_path, "a"):
        pass
    with open(log_path, "r", errors="replace", newline="") as log:
        log.seek(0, os.SEEK_END)
        server.stdin.write(json.dumps({"request": request_path, "log": log_path, "env": dict(env), "cwd": cwd}) + "\n")
        server.stdin.flush()
        reply = {}

        def running() -> bool:
            if not reply:
                ready, _, _ = select.select([server.stdout], [], [], 0)
                if ready:
                    line = server.stdout.readline()
                    reply.update(json.loads(line) if line else {"exit": server.poll() or 1})
            return not reply

        follow(log, running, on_line)
    return int(reply["exit"])


def follow(log, running: Callable[[], bool], on_line: Callable[[str], None]) -> None:
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
    """The stage in a fresh ``python -m cfat_plugin.demo.stages`` (no fork here)."""
    with open(log_path, "a", buffering=1) as log:
        child = subprocess.Popen(StageRequest.command(request_path), cwd=cwd, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in child.stdout:
            log.write(line)
            on_line(line.rstrip("\n"))
        return child.wait()
