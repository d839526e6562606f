"""The environment sets paths, caches and the launcher's placement only: every option that changes a result is
a config key, saved with the run. The package's reads of the environment, found in its source, and the
variables that once set options, refused with the key that replaces them."""
import ast
import os
import subprocess
import sys
from typing import Iterator, Tuple

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCANNED = ("cfat_plugin", "tools", "benchmarks")

# Every environment variable the package, its tools and benchmarks may read, and why it is no config key.
ALLOWED = {
    "FASTREID_DATASETS": "path: the data set root when DATASETS.ROOT is empty (FastReID's own variable)",
    "CFAT_CORRUPTION_CACHE": "cache: corrupted test images on disk (DATASETS.CORRUPTION.TEST.CACHE_DIR wins)",
    "CFAT_IMAGE_CHECK_CACHE": "cache: results of the image check (DATASETS.IMAGE_CHECK.CACHE_DIR wins)",
    "CFAT_TORCHREID_DATA": "path: the work folder of torchreid's readers (their split files)",
    "XDG_CACHE_HOME": "cache: the base folder of the default caches",
    "CFAT_SHARED_DATA": "path: the shared data folder beside the repository (CUHK01 for its benchmark)",
    "OMP_NUM_THREADS": "threads: a launch shares the cores among its processes unless this says",
    "RANK": "launcher: where torchrun placed this process", "WORLD_SIZE": "launcher",
    "LOCAL_RANK": "launcher", "LOCAL_WORLD_SIZE": "launcher",
    "SLURM_PROCID": "launcher: where SLURM placed this process", "SLURM_NTASKS": "launcher",
    "SLURM_NTASKS_PER_NODE": "launcher", "SLURM_LOCALID": "launcher",
    "MASTER_ADDR": "launcher: the process group's rendezvous (a default is set when missing)",
    "MASTER_PORT": "launcher",
    "NO_ALBUMENTATIONS_UPDATE": "switch of a dependency: albumentations' network update check stays off",
}
# Where the environment is read under a name the scan cannot resolve, and what is read there.
DYNAMIC = {"cfat_plugin/data/datasets/reader_options.py": "the retired variables, to refuse them"}


def _is_environ(node: ast.AST) -> bool:
    """``os.environ`` or a name ``environ`` (a function's stand-in for it)."""
    return ((isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name)
             and node.value.id == "os") or (isinstance(node, ast.Name) and node.id == "environ"))


def _constants(tree: ast.AST) -> dict:
    """Module-level ``NAME = "string"`` assignments."""
    return {target.id: node.value.value for node in getattr(tree, "body", []) if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            for target in node.targets if isinstance(target, ast.Name)}


def environment_reads(path: str) -> Iterator[Tuple[str, int]]:
    """``(variable, line)`` for every read of the environment in ``path`` (``?`` where the name is computed):
    ``os.getenv(X)``, ``os.environ[X]``, ``os.environ.get/setdefault/pop(X)``, ``X in os.environ``."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    constants = _constants(tree)

    def name(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and node.id in constants:
            return constants[node.id]
        return "?"

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "getenv" and isinstance(func.value, ast.Name) \
                    and func.value.id == "os":
                yield name(node.args[0]), node.lineno
            elif isinstance(func, ast.Attribute) and func.attr in ("get", "setdefault", "pop") \
                    and _is_environ(func.value):
                yield name(node.args[0]), node.lineno
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            yield name(node.slice), node.lineno
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)) \
                and _is_environ(node.comparators[0]):
            yield name(node.left), node.lineno


def scanned_reads(root: str = ROOT) -> dict:
    """``{variable: ["file:line", ...]}`` over the package, its tools and benchmarks."""
    found = {}
    for top in SCANNED:
        for folder, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for file in sorted(files):
                if file.endswith(".py"):
                    path = os.path.join(folder, file)
                    rel = os.path.relpath(path, root)
                    for variable, line in environment_reads(path):
                        found.setdefault(variable, []).append(f"{rel}:{line}")
    return found


def test_every_environment_variable_read_is_a_path_a_cache_or_the_launchers():
    found = scanned_reads()
    assert {"FASTREID_DATASETS", "CFAT_CORRUPTION_CACHE", "RANK"} <= set(found), "is the scan broken?"
    unknown = {variable: where for variable, where in found.items() if variable not in ALLOWED and variable != "?"}
    assert not unknown, ("options belong in the config (saved with the run), not in the environment; a path or "
                         f"cache goes into ALLOWED with its reason: {unknown}")
    dynamic = sorted({where.rsplit(":", 1)[0] for where in found.get("?", [])})
    assert dynamic == sorted(DYNAMIC), f"environment read under a computed name: {found.get('?')}"


def test_the_scan_finds_each_way_of_reading_the_environment(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('import os\nWORK = "W_DIR"\n'
                     'a = os.getenv("A")\nb = os.environ["B"]\nc = os.environ.get(WORK, "")\n'
                     'if "D" not in os.environ:\n    os.environ.setdefault("E", "1")\n'
                     'def f(environ=os.environ):\n    return environ.get("F"), [n for n in "xy" if n in environ]\n')
    assert sorted(environment_reads(str(probe))) == [("?", 9), ("A", 3), ("B", 4), ("D", 6), ("E", 7), ("F", 9),
                                                     ("W_DIR", 5)]


def test_each_retired_variable_stops_a_run_naming_the_key_that_replaces_it(monkeypatch):
    from cfat_plugin.data.datasets.reader_options import RETIRED_VARIABLES, reader_options
    from cfat_plugin.engine import load_config
    from cfat_plugin.utils.errors import RetiredVariableError

    cfg = load_config()
    for variable, key in RETIRED_VARIABLES.items():
        node = cfg
        for part in key.split("."):
            node = node[part]  # the replacing key exists
        with monkeypatch.context() as m:
            m.setenv(variable, "1")
            for read in (load_config, reader_options):
                with pytest.raises(RetiredVariableError) as error:
                    read()
                message = str(error.value)
                assert f"{variable} -> {key}" in message and "\n" not in message
    assert set(RETIRED_VARIABLES).isdisjoint(ALLOWED)


def test_a_retired_variable_is_one_error_line_on_the_command_line(tmp_path):
    env = {**os.environ, "SYNTHREID_PRESET": "tiny", "OMP_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, "tools/train_net.py", "--config-file", "projects/CFAT/synthreid_r18_teacher.yml",
                          "OUTPUT_DIR", str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert run.returncode == 2 and len(errors) == 1, run.stderr[-2000:]
    assert "DATASETS.SYNTHREID.PRESET.MARKET" in errors[0] and "Traceback" not in run.stderr


def test_the_docs_list_every_variable_read_and_every_retired_one():
    from cfat_plugin.data.datasets.reader_options import RETIRED_VARIABLES

    page = open(os.path.join(ROOT, "docs", "datasets.md"), encoding="utf-8").read()
    start = page.index("## Environment variables")
    end = page.find("\n## ", start + 1)
    section = page[start:end if end > 0 else len(page)]
    missing = [v for v in sorted(set(scanned_reads()) - {"?"}) if f"`{v}`" not in section]
    missing += [f"{v} -> {k}" for v, k in RETIRED_VARIABLES.items() if f"`{v}`" not in section or f"`{k}`" not in section]
    assert not missing, f"docs/datasets.md's 'Environment variables' section does not name: {missing}"
