"""The package's architecture, read from its imports: layers only import downwards, compat stays private,
a method's comparison stays in its own room; and its text gives reasons, not issue numbers."""
import ast
import os
import re
from typing import Iterator, List, Tuple

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cfat_plugin")

# Shared core, lowest first; a module may import its own layer and those below it.
CORE_LAYERS = {"utils": 0, "config": 0, "compat": 1, "data": 2, "modeling": 3, "evaluation": 4, "engine": 5,
               "experiments": 5}
METHODS = ("cfat", "rlq", "mcja", "dil", "cffa")  # one subpackage per method: above the core it builds on, below the demo
# A method's runners train whole pipelines (its comparison over training seeds, MCJA's RegDB trials; CFAT's
# drives the demo's stages): they sit at the top, beside the demo, and only benchmarks, tools, tests and
# other runners import them -- never the demo, the shared core or the method's registering modules.
RUNNERS = ("comparison", "regdb_trials")
# The top: the demo, and the generator's calibration programs (they belong with data/synthetic but train
# and evaluate through the engine, so they cannot live under data/).
TOP = {"demo": 7, "calibration": 7}


def _is_runner(parts: List[str]) -> bool:
    """Whether the module ``parts`` (below ``cfat_plugin``) is, or lies in, a method's runner."""
    return len(parts) > 1 and parts[0] in METHODS and parts[1].removesuffix(".py") in RUNNERS


def _layer(parts: List[str]) -> int:
    if _is_runner(parts):
        return 7
    if parts[0] in METHODS:
        return 6
    return {**CORE_LAYERS, **TOP}[parts[0]]


def _import_targets(path: str) -> Iterator[Tuple[List[str], int]]:
    """``(module parts below cfat_plugin, line)`` for every import of the plugin in ``path``, nested ones too;
    a name imported from a package counts as its module (``from ..mcja import comparison``)."""
    module = os.path.relpath(path, os.path.dirname(PACKAGE))[:-3].split(os.sep)
    if module[-1] == "__init__":
        module = module[:-1] + ["__init__"]
    for node in ast.walk(ast.parse(open(path).read(), path)):
        names = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                target = module[:-node.level] + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "cfat_plugin":
                target = node.module.split(".")
            else:
                continue
            names = [target + [alias.name] for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name.split(".") for a in node.names if a.name.split(".")[0] == "cfat_plugin"]
        for name in names:
            if len(name) > 1:
                yield [part.removesuffix(".py") for part in name[1:]], node.lineno


def _imports(path: str) -> Iterator[Tuple[str, int]]:
    """``(first package part imported, line)`` for every import of the plugin in ``path``, nested ones too."""
    for parts, line in _import_targets(path):
        yield parts[0], line


def _modules() -> Iterator[Tuple[str, str]]:
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                yield os.path.relpath(path, PACKAGE), path


def layer_problems() -> list:
    """One line per import that runs up a layer, into compat, from the core into a method, or into a
    method's runner from anything but another runner."""
    problems = []
    for rel, path in _modules():
        parts = rel.removesuffix(".py").split(os.sep)
        own = parts[0]
        if own == "__init__":
            continue  # the package's __init__ applies compat and registers everything
        for target, line in _import_targets(path):
            part = target[0]
            if part == "compat" and own != "compat":
                problems.append(f"{rel}:{line} imports compat (only FastReID's patches live there)")
            elif _is_runner(target) and not _is_runner(parts):
                problems.append(f"{rel}:{line} imports {'.'.join(target[:2])}, a method's runner (only benchmarks, "
                                f"tools and other runners import it)")
            elif part in METHODS and own not in TOP and own != part:
                problems.append(f"{rel}:{line} imports the method {part} (the core never depends on a method)")
            elif _layer(target) > _layer(parts):
                problems.append(f"{rel}:{line} ({own}) imports {part}, a higher layer")
    return problems


def test_layers_only_import_downwards_and_compat_is_private():
    problems = layer_problems()
    assert not problems, "\n".join(problems)


def test_the_walk_finds_upward_nested_compat_and_method_imports(tmp_path):
    probe = tmp_path / "cfat_plugin" / "data" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("from ..engine import setup\n\ndef f():\n    import cfat_plugin.compat.amp\n"
                     "    from ..utils.files import atomic_open\n    from .. import cfat\n")
    (tmp_path / "cfat_plugin" / "data" / "fine.py").write_text("from ..utils import files\nfrom .corruptions import core\n")
    global PACKAGE
    saved, PACKAGE = PACKAGE, str(tmp_path / "cfat_plugin")
    try:
        assert sorted(_imports(str(probe))) == [("cfat", 6), ("compat", 4), ("engine", 1), ("utils", 5)]
        assert sorted(layer_problems()) == [
            "data/probe.py:1 (data) imports engine, a higher layer",
            "data/probe.py:4 imports compat (only FastReID's patches live there)",
            "data/probe.py:6 imports the method cfat (the core never depends on a method)"]
    finally:
        PACKAGE = saved


def test_the_walk_keeps_a_methods_comparison_in_its_room(tmp_path):
    root = tmp_path / "cfat_plugin"
    for folder in ("demo", "mcja", "experiments", "engine"):
        (root / folder).mkdir(parents=True)
    (root / "demo" / "probe.py").write_text("from ..mcja.comparison import main\nfrom ..experiments import seeds\n")
    (root / "mcja" / "__init__.py").write_text("from . import comparison\n")
    (root / "mcja" / "comparison.py").write_text("from ..engine import setup\nfrom ..demo import pipeline\n")
    (root / "mcja" / "regdb_trials.py").write_text("from .comparison import train_arm\n")
    (root / "engine" / "probe.py").write_text("def f():\n    from cfat_plugin.mcja import regdb_trials\n")
    (root / "experiments" / "probe.py").write_text("from ..engine import setup\nfrom .. import mcja\n")
    global PACKAGE
    saved, PACKAGE = PACKAGE, str(root)
    try:
        assert sorted(layer_problems()) == [
            "demo/probe.py:1 imports mcja.comparison, a method's runner (only benchmarks, tools and other runners "
            "import it)",
            "engine/probe.py:2 imports mcja.regdb_trials, a method's runner (only benchmarks, tools and other "
            "runners import it)",
            "experiments/probe.py:2 imports the method mcja (the core never depends on a method)",
            "mcja/__init__.py:1 imports mcja.comparison, a method's runner (only benchmarks, tools and other "
            "runners import it)"]
    finally:
        PACKAGE = saved


def test_the_experiments_package_imports_no_method_and_no_demo():
    found = []
    for rel, path in _modules():
        if rel.split(os.sep)[0] == "experiments":
            found += [f"{rel}:{line} imports {target[0]}" for target, line in _import_targets(path)
                      if target[0] in METHODS + tuple(TOP)]
    assert not found, "the comparison machinery is shared core:\n" + "\n".join(found)


def test_every_method_runner_is_where_the_rule_looks_for_it():
    runners = sorted(rel for rel, _ in _modules() if _is_runner(rel.split(os.sep)))
    assert runners == ["cfat/comparison.py", "cffa/comparison.py", "dil/comparison.py", "mcja/comparison.py",
                       "mcja/regdb_trials.py", "rlq/comparison.py"]
    assert not any(os.path.exists(os.path.join(PACKAGE, "demo", name))
                   for name in ("mcja_comparison.py", "regdb_trials.py"))  # each method's runner in its own room


def test_each_method_is_one_folder_that_registers_its_keys_and_components():
    import cfat_plugin  # noqa: F401
    from fastreid.modeling.heads.build import REID_HEADS_REGISTRY
    from fastreid.modeling.meta_arch.build import META_ARCH_REGISTRY

    from cfat_plugin.utils.config_keys import registered_config_adders

    for method in METHODS:
        assert os.path.isfile(os.path.join(PACKAGE, method, "__init__.py"))
        assert f"cfat_plugin.{method}.config.add_{method}_config" in registered_config_adders()
    for name in ("CFAT", "BFGPretrain"):
        assert META_ARCH_REGISTRY.get(name).__module__.startswith("cfat_plugin.cfat.")
    assert REID_HEADS_REGISTRY.get("BFGHead").__module__ == "cfat_plugin.cfat.bfg_head"


# SynthReID's generator (data/synthetic/) imports one way: the layouts package uses the planners, the
# names and the drawing modules, never the reverse. Only the layouts and the generator's front end (the
# package's exports, the command line, writing and rendering a record of a layout) import ``layouts``.
SYNTHETIC = "cfat_plugin.data.synthetic"
LAYOUTS = f"{SYNTHETIC}.layouts"
LAYOUT_USERS = {SYNTHETIC} | {f"{SYNTHETIC}.{name}" for name in ("__main__", "generate", "render")}


def _module_paths(root: str, name: str) -> dict:
    """``{dotted module: file}`` for every module of the package ``name`` in folder ``root``; a package is
    named by its folder (its ``__init__.py``)."""
    out = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        parts = [name] + os.path.relpath(folder, root).split(os.sep)
        parts = parts[:1] if parts[1:] == ["."] else parts
        for file in sorted(files):
            if file.endswith(".py"):
                out[".".join(parts + ([] if file == "__init__.py" else [file[:-3]]))] = os.path.join(folder, file)
    return out


def import_graph(root: str, name: str) -> dict:
    """``{module: {module of the package it imports}}``, nested imports too. An import of ``a.b.c`` also
    runs the packages ``a.b`` and ``a`` unless the importer is inside them (then they already run)."""
    paths = _module_paths(root, name)
    graph = {}
    for module, path in paths.items():
        package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(open(path).read(), path)):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
                target = ".".join(base + (node.module.split(".") if node.module else []))
                found = [f"{target}.{a.name}" if f"{target}.{a.name}" in paths else target for a in node.names]
            elif isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            else:
                continue
            for target in found:
                while target and target not in paths:  # an attribute, or a module outside the package
                    target = target.rpartition(".")[0]
                for ancestor in (target.split(".")[:i] for i in range(1, target.count(".") + 2)):
                    dotted = ".".join(ancestor)
                    if dotted in paths and not (package + ".").startswith(dotted + "."):
                        targets.add(dotted)
        graph[module] = targets - {module}
    return graph


def import_cycles(graph: dict) -> list:
    """Each group of modules that reach each other, as one shortest cycle through its first module
    (``a -> b -> a``) and the rest of the group."""
    def reach(start):
        seen, todo = {start: None}, [start]
        for module in todo:
            for target in sorted(graph.get(module, ())):
                if target not in seen:
                    seen[target] = module
                    todo.append(target)
        return seen

    reached = {module: reach(module) for module in graph}
    cycles, done = [], set()
    for module in sorted(graph):
        group = sorted(m for m in reached[module] if module in reached[m] and m != module)
        if module in done or not group:
            continue
        done.update(group + [module])
        back = min((m for m in group if module in graph[m]), key=lambda m: len(_path(reached[module], m)))
        cycle = _path(reached[module], back) + [module]
        rest = [m for m in group if m not in cycle]
        cycles.append(" -> ".join(cycle) + (f" (with {', '.join(rest)})" if rest else ""))
    return cycles


def _path(parents: dict, end: str) -> list:
    path = [end]
    while parents[path[-1]] is not None:
        path.append(parents[path[-1]])
    return path[::-1]


def _synthetic_graph() -> dict:
    return import_graph(os.path.join(PACKAGE, "data", "synthetic"), SYNTHETIC)


def test_synthetic_imports_have_no_cycle():
    cycles = import_cycles(_synthetic_graph())
    assert not cycles, f"import cycles in {SYNTHETIC}:\n" + "\n".join(c.replace(f"{SYNTHETIC}.", "") for c in cycles)


def test_only_the_layouts_and_the_generator_front_end_import_layouts():
    graph = _synthetic_graph()
    importers = sorted(m for m, targets in graph.items() if LAYOUTS in targets and m != LAYOUTS
                       and not m.startswith(LAYOUTS + ".") and m not in LAYOUT_USERS)
    assert not importers, f"these modules import {LAYOUTS}, which builds on them: " + ", ".join(importers)


def test_the_import_graph_resolves_relative_nested_and_package_imports(tmp_path):
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("from .a import A\n")
    (root / "a.py").write_text("import os\nfrom . import b\nA = 1\n")
    (root / "b.py").write_text("def f():\n    from .sub import c\n")
    (root / "sub" / "__init__.py").write_text("from .. import a\n")
    (root / "sub" / "c.py").write_text("from ..a import A\nimport pkg.b\nimport pkg.sub\n")
    graph = import_graph(str(root), "pkg")
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.sub", "pkg.sub.c"},
                     "pkg.sub": {"pkg.a"}, "pkg.sub.c": {"pkg.a", "pkg.b"}}  # pkg.sub runs before c
    assert import_cycles(graph) == ["pkg.a -> pkg.b -> pkg.sub -> pkg.a (with pkg.sub.c)"]
    graph["pkg.b"] = set()
    assert import_cycles(graph) == []


# Comments, docstrings, configs and READMEs give reasons in the domain's words, not this project's issue
# numbers (a reader has no tracker). Upstream references stay: owner/repo#N and URLs are stripped first.
ROOT = os.path.dirname(PACKAGE)
TEXT_FOLDERS = ("cfat_plugin", "configs", "projects", "tools", "benchmarks", "tests", "docs")
TEXT_FILES = ("README.md", "Makefile", "setup.cfg")
TEXT_SUFFIXES = (".py", ".yml", ".yaml", ".md", ".sh", ".cfg")
_ISSUE = "issue"  # the word, kept apart from the pattern so that this file does not match it
ISSUE_NUMBER = re.compile(rf"(?<![a-z]){_ISSUE}s?[ _-]?#?\d+", re.IGNORECASE)
UPSTREAM = re.compile(r"https?://\S+|\b[\w.-]+/[\w.-]+#\d+")


def _text_files(root: str) -> Iterator[str]:
    for name in TEXT_FILES:
        if os.path.isfile(os.path.join(root, name)):
            yield os.path.join(root, name)
    for top in TEXT_FOLDERS:
        for folder, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith(TEXT_SUFFIXES) or name == "Makefile":
                    yield os.path.join(folder, name)


def issue_number_problems(root: str = ROOT) -> list:
    """``file:line: text`` for every line that cites an issue by number, upstream references left out."""
    problems = []
    for path in _text_files(root):
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if ISSUE_NUMBER.search(UPSTREAM.sub("", line)):
                    problems.append(f"{os.path.relpath(path, root)}:{number}: {line.strip()}")
    return problems


def test_no_project_issue_numbers_in_code_configs_or_readmes():
    problems = issue_number_problems()
    assert not problems, "cite the reason, not the issue:\n" + "\n".join(problems)


def test_the_issue_number_walk_finds_each_form_and_keeps_upstream_references(tmp_path):
    (tmp_path / "cfat_plugin" / "data").mkdir(parents=True)
    (tmp_path / "cfat_plugin" / "data" / "probe.py").write_text(
        f'"""Readers ({_ISSUE} 3)."""\n# fine: JDAI-CV/fast-reid#552, https://github.com/o/r/{_ISSUE}s/7\n'
        f"x = 1  # {_ISSUE.upper()}S #12 and {_ISSUE}#4\n# tissue 5, {_ISSUE}s of memory\n")
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "a.yml").write_text(f"# stages ({_ISSUE} 14)\n")
    (tmp_path / "configs" / "b.json").write_text(f"{_ISSUE} 1\n")  # not a text file of this check
    (tmp_path / "README.md").write_text(f"- [Infrared](#infrared-{_ISSUE}-17-item-2)\n")
    (tmp_path / "Makefile").write_text(f"all:  # {_ISSUE}_9\n")
    found = [problem.split(": ")[0] for problem in issue_number_problems(str(tmp_path))]
    assert sorted(found) == ["Makefile:1", "README.md:1", "cfat_plugin/data/probe.py:1",
                             "cfat_plugin/data/probe.py:3", "configs/a.yml:1"]
