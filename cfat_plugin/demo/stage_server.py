"""The stage server: imports the package once, then forks one child per stage it is asked to run.

Started by :mod:`cfat_plugin.demo.launcher`. Each line on its input is a job,
``{"request": REQUEST.json, "log": LOG, "env": {...}, "cwd": DIR}``; for each it forks, the child
runs the stage with that environment and folder, its output appended to the log, and the server
answers ``{"exit": CODE}`` on its output when the child has ended. It exits when its input closes.
It never runs a torch operation itself (see the launcher's docstring for why).
"""
import json
import os
import signal
import sys
import traceback

import cfat_plugin  # noqa: F401  (torch, FastReID and every registration, once for all stages)
from cfat_plugin.demo import stages
from cfat_plugin.engine import entry_points  # noqa: F401  (what every stage calls)


def _exit_code(error: SystemExit) -> int:
    """``sys.exit``'s code as the interpreter would turn it into a status (a message: printed, 1)."""
    if error.code is None or isinstance(error.code, int):
        return error.code or 0
    print(error.code, file=sys.stderr)
    return 1


def run_child(job: dict) -> None:
    """In the forked child: the job's environment, folder and log, then its stage; never returns."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C stops the stage, as in a terminal
        os.environ.clear()
        os.environ.update(job["env"])
        os.chdir(job["cwd"])
        fd = os.open(job["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)  # the server's input (the jobs) is not the stage's
        os.close(null)
        sys.stdout.reconfigure(line_buffering=True)  # the caller follows the log line by line
        sys.stderr.reconfigure(line_buffering=True)
        stages.main([job["request"]])
        code = 0
    except SystemExit as error:
        code = _exit_code(error)
    except BaseException:  # noqa: B902  (KeyboardInterrupt too: the log says where it stopped)
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    # Ctrl-C reaches the whole process group: the stage stops (its child restores the handler), the
    # server answers for it and exits when the caller closes its input.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            run_child(job)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"exit": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
    main()
