"""The documents: a short README with a map of docs/, links that resolve, commands that run.

Checked pages: README.md, docs/*.md, projects/*/README.md and the READMEs inside the package.
A command is any line of code (fenced block, indented block or inline code span) that runs a
repository script through Python (``python tools/X.py``, ``.venv/bin/python benchmarks/X.py``,
``torchrun ... tools/X.py``, ``python -m cfat_plugin....``) or names a ``make`` target.
"""
import glob
import json
import os
import re
import shlex
import subprocess
import sys
import unicodedata

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
README_MAX_LINES = 160
MAP_HEADING = "Documentation map"


def _paths(pattern: str) -> list:
    return sorted(glob.glob(os.path.join(ROOT, pattern), recursive=True))


DOCS = _paths("docs/*.md")
PAGES = [README] + DOCS + _paths("projects/*/README.md") + _paths("cfat_plugin/**/README.md")

FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
PYTHON = re.compile(r"^(?:\S*/)?python(?:3(?:\.\d+)?)?$")
LAUNCHERS = ("torchrun", "srun")
REPO_SCRIPT = re.compile(r"^(?:\./)?((?:tools|benchmarks)/[\w./-]+\.(?:py|sh))$")


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def _rel(path: str) -> str:
    return os.path.relpath(path, ROOT)


def split_code(text: str):
    """(prose lines, code lines): fenced blocks are code; the rest is prose, line numbers kept."""
    prose, code, fenced = [], [], False
    for number, line in enumerate(text.split("\n"), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        (code if fenced else prose).append((number, line))
    return prose, code


def _without_code_spans(line: str) -> str:
    return CODE_SPAN.sub("", line)


def github_anchor(heading: str) -> str:
    """GitHub's anchor of a heading: rendered text, lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link renders as its text
    text = text.replace("`", "").lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LMN")
    return kept.replace(" ", "-")


def anchors(path: str) -> set:
    found, seen = set(), {}
    prose, _ = split_code(_read(path))
    for _, line in prose:
        match = HEADING.match(line)
        if not match:
            continue
        anchor = github_anchor(match.group(2))
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        found.add(anchor if count == 0 else f"{anchor}-{count}")
    return found


def links(path: str):
    """(line number, target) of every link of a page, outside code."""
    prose, _ = split_code(_read(path))
    for number, line in prose:
        if line.startswith("    ") and not line.lstrip().startswith(("-", "*", "|")):
            continue  # an indented code block (or list continuation without links)
        reference = REFERENCE_LINK.match(line)
        if reference:
            yield number, reference.group(1)
        for match in LINK.finditer(_without_code_spans(line)):
            yield number, match.group(1)


def link_problems(path: str) -> list:
    problems = []
    for number, target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        resolved = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
        where = f"{_rel(path)}:{number}: ({target})"
        if os.path.relpath(resolved, ROOT).startswith(".."):
            continue  # a file beside the repository (the shared folder): not this repository's
        if not os.path.exists(resolved):
            problems.append(f"{where}: no file {_rel(resolved)}")
        elif anchor and resolved.endswith(".md") and anchor not in anchors(resolved):
            problems.append(f"{where}: no heading with anchor #{anchor} in {_rel(resolved)}")
    return problems


def code_lines(path: str):
    """(line number, text) of every piece of code of a page: fenced and indented blocks, code spans."""
    prose, code = split_code(_read(path))
    pieces = list(code)
    for number, line in prose:
        if line.startswith("    ") and not line.lstrip().startswith(("-", "*", "|", "(")):
            pieces.append((number, line))
    text = "\n".join(line for _, line in prose)
    first = prose[0][0] if prose else 1
    numbers = [number for number, _ in prose]
    for match in CODE_SPAN.finditer(text):
        line_index = text.count("\n", 0, match.start())
        pieces.append((numbers[line_index] if line_index < len(numbers) else first,
                       match.group(2).replace("\n", " ")))
    # continuation lines of a shell command joined to the command
    joined, pending = [], None
    for number, line in sorted(pieces, key=lambda piece: piece[0]):
        if pending is not None:
            line = pending[1] + " " + line.strip()
            number = pending[0]
        if line.rstrip().endswith("\\"):
            pending = (number, line.rstrip()[:-1])
            continue
        pending = None
        joined.append((number, line))
    return joined


def _tokens(command: str) -> list:
    try:
        return shlex.split(command, comments=True)
    except ValueError:  # an unbalanced quote in a shortened command
        return command.split("#")[0].split()


def _launched(arguments: list, launcher: bool):
    """("script", path) or ("module", name) that python (or torchrun/srun) runs, else None."""
    for position, argument in enumerate(arguments):
        if argument == "-m":
            name = arguments[position + 1] if position + 1 < len(arguments) else ""
            return ("module", name) if name.startswith("cfat_plugin") else None
        if argument == "-c":
            return None
        script = REPO_SCRIPT.match(argument)
        if script:
            return "script", script.group(1)
        if not argument.startswith("-") and not launcher:
            return None
    return None


def commands(path: str):
    """(line, kind, what) for every repository script or module run, and every make target named."""
    for number, line in code_lines(path):
        for part in re.split(r"&&|\|\||;|\|", line):
            tokens = _tokens(part)
            for index, token in enumerate(tokens):
                rest = tokens[index + 1:]
                if PYTHON.match(token) or token in LAUNCHERS:
                    found = _launched(rest, token in LAUNCHERS)
                    if found:
                        yield (number,) + found
                    break
                if token in ("bash", "sh"):
                    script = REPO_SCRIPT.match(rest[0]) if rest else None
                    if script:
                        yield number, "shell", script.group(1)
                    break
                if token == "make":
                    for argument in rest:
                        if argument.startswith("-") or "=" in argument:
                            continue
                        if not re.match(r"^[\w.-]+$", argument):
                            break
                        yield number, "make", argument
                    break


def documented_commands() -> dict:
    """{(kind, what): [where it is documented, ...]} over every checked page."""
    found = {}
    for path in PAGES:
        for number, kind, what in commands(path):
            found.setdefault((kind, what), []).append(f"{_rel(path)}:{number}")
    return found


# Runs each script's or module's --help in one interpreter (torch and FastReID imported once):
# sys.argv set as the shell would, the script's folder first on sys.path, an alarm per script.
HELP_RUNNER = r"""
import contextlib, io, json, os, runpy, signal, sys, traceback
class Hang(Exception):
    pass
def alarm(*_):
    raise Hang("no exit within %d s" % LIMIT)
LIMIT = int(sys.argv[2])
signal.signal(signal.SIGALRM, alarm)
results = {}
base_path = list(sys.path)
for kind, what in json.loads(sys.argv[1]):
    out = io.StringIO()
    code, note = None, ""
    signal.alarm(LIMIT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            if kind == "script":
                sys.argv = [what, "--help"]
                sys.path[:] = [os.path.dirname(os.path.abspath(what))] + base_path
                runpy.run_path(what, run_name="__main__")
            else:
                sys.argv = [what, "--help"]
                sys.path[:] = [os.getcwd()] + base_path
                runpy.run_module(what, run_name="__main__", alter_sys=True)
        note = "returned without exiting"
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    except BaseException:
        code, note = -1, traceback.format_exc(limit=3)
    finally:
        signal.alarm(0)
    results["%s %s" % (kind, what)] = {"code": code, "output": (out.getvalue() + note)[-1500:]}
sys.stdout = sys.__stdout__
print("HELP-RESULTS " + json.dumps(results))
"""


def test_readme_is_at_most_160_lines():
    lines = _read(README).count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail into docs/"


def test_every_docs_page_is_linked_from_the_readme_map():
    assert DOCS, "docs/ holds no page"
    prose, _ = split_code(_read(README))
    in_map, linked = False, set()
    for number, line in prose:
        heading = HEADING.match(line)
        if heading:
            in_map = heading.group(2).strip() == MAP_HEADING
            continue
        if in_map:
            for match in LINK.finditer(_without_code_spans(line)):
                target = match.group(1).partition("#")[0]
                linked.add(os.path.normpath(os.path.join(ROOT, target)))
    missing = [_rel(page) for page in DOCS if page not in linked]
    assert not missing, f"pages not linked from README.md's '{MAP_HEADING}': {missing}"


def test_every_relative_link_points_to_an_existing_file_and_heading():
    problems = [problem for page in PAGES for problem in link_problems(page)]
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_the_link_check_finds_missing_files_and_anchors(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", str(tmp_path))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# Mixed precision (CPU and GPU)\n\n## The demo's `make demo`\n")
    page = tmp_path / "README.md"
    page.write_text("[ok](docs/a.md#mixed-precision-cpu-and-gpu) [ok](docs/a.md#the-demos-make-demo)\n"
                    "[bad](docs/a.md#mixed-precision) [gone](docs/b.md) [web](https://x.org/y#z)\n"
                    "`[not a link](nowhere.md)`\n```\n[in code](nowhere.md)\n```\n[self](#nothing)\n")
    problems = link_problems(str(page))
    assert len(problems) == 3, problems
    assert "#mixed-precision in docs/a.md" in problems[0] and "no file docs/b.md" in problems[1]
    assert "#nothing" in problems[2]


def test_commands_are_found_in_fenced_blocks_code_spans_and_continuations(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("Run `make demo` or `OMP_NUM_THREADS=1 python benchmarks/a.py --seeds 0`.\n\n"
                    "```bash\n.venv/bin/python tools/train_net.py --config-file X \\\n    KEY V\n"
                    "torchrun --nproc_per_node 4 tools/train_net.py --config-file CFG\n"
                    "python -m cfat_plugin.data.synthetic --out d  # comment\n"
                    "python -m pytest tests\nOUT=o bash benchmarks/gpu_checks.sh\n"
                    "python -X importtime -c \"import cfat_plugin\"\nmake -n test-fast TEST_WORKERS=1\n```\n"
                    "`tools/visualize_ranks.py` alone is a name, not a command.\n")
    assert sorted((kind, what) for _, kind, what in commands(str(page))) == [
        ("make", "demo"), ("make", "test-fast"), ("module", "cfat_plugin.data.synthetic"),
        ("script", "benchmarks/a.py"), ("script", "tools/train_net.py"), ("script", "tools/train_net.py"),
        ("shell", "benchmarks/gpu_checks.sh")]


@pytest.mark.slow
def test_every_documented_command_exists_and_answers_help():
    found = documented_commands()
    assert any(kind == "script" for kind, _ in found), "no documented script found: is the parser broken?"
    problems = []
    for (kind, what), where in sorted(found.items()):
        if kind in ("script", "shell") and not os.path.isfile(os.path.join(ROOT, what)):
            problems.append(f"{what}: no such file (documented at {', '.join(where)})")
        if kind == "make":
            run = subprocess.run(["make", "-n", what], cwd=ROOT, capture_output=True, text=True, timeout=60)
            if run.returncode != 0:
                problems.append(f"make {what}: `make -n {what}` exited {run.returncode} "
                                f"(documented at {', '.join(where)}): {run.stderr.strip()[-300:]}")
    runnable = sorted((kind, what) for kind, what in found
                      if kind == "module" or (kind == "script" and what.endswith(".py")
                                              and os.path.isfile(os.path.join(ROOT, what))))
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(
        [ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    run = subprocess.run([sys.executable, "-c", HELP_RUNNER, json.dumps(runnable), "60"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    marker = [line for line in run.stdout.splitlines() if line.startswith("HELP-RESULTS ")]
    assert marker, f"the --help runner failed (exit {run.returncode}):\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}"
    results = json.loads(marker[-1][len("HELP-RESULTS "):])
    for kind, what in runnable:
        result = results[f"{kind} {what}"]
        if result["code"] != 0:
            shown = f"python -m {what}" if kind == "module" else what
            problems.append(f"{shown} --help exited {result['code']} (documented at "
                            f"{', '.join(found[(kind, what)])}):\n{result['output']}")
    assert not problems, "\n".join(problems)
