"""Every layer registers the function that adds its config keys (and a method its settings checks).

A layer's keys are added by a function of that layer (``add_data_config``, ``add_cfat_config``...),
each key with its comment beside it, as detectron2's ``add_pointrend_config`` does. The functions
register here when their module is imported, so code low in the package (a teacher built from its
own config file) can add every key without importing the layers above it.
"""
import logging
from typing import Any, Callable, List, Tuple

from fastreid.config import CfgNode

ConfigAdder = Callable[[CfgNode], None]
_ADDERS: List[ConfigAdder] = []


def register_config_keys(adder: ConfigAdder) -> ConfigAdder:
    """Decorator: ``adder(cfg)`` adds its keys (idempotent) whenever the plugin's keys are added."""
    if adder not in _ADDERS:
        _ADDERS.append(adder)
    return adder


def add_registered_config(cfg: CfgNode) -> CfgNode:
    """Add every registered layer's and method's keys to ``cfg`` in place; returns it."""
    for adder in _ADDERS:
        adder(cfg)
    return cfg


def registered_config_adders() -> List[str]:
    """``module.function`` of each registered adder, in the order they run."""
    return [f"{adder.__module__}.{adder.__qualname__}" for adder in _ADDERS]


SettingsCheck = Callable[[CfgNode, List[str], bool], None]
_CHECKS: List[SettingsCheck] = []


def register_settings_check(check: SettingsCheck) -> SettingsCheck:
    """Decorator: ``check(cfg, problems, training)`` appends a line per invalid setting of its method.

    The engine runs every registered check before anything expensive starts, so a method's own keys
    are validated without the engine importing the method.
    """
    if check not in _CHECKS:
        _CHECKS.append(check)
    return check


def registered_settings_checks() -> List[SettingsCheck]:
    """The registered checks, in the order they run."""
    return list(_CHECKS)


# Keys that moved: old dotted name -> new dotted name. A config file or override that still uses the
# old name is read into the new key, with a deprecation message (one per old key and process).
_RENAMED = {}
_OLD_DEFAULTS = {}
_WARNED = set()


def register_renamed_key(old: str, new: str, old_default) -> None:
    """Accept ``old`` (no longer a key) as ``new``, saying so once.

    ``old_default``: what the old key held by default; FastReID's saved ``config.yaml`` files carry
    every key, so an old key at its default in a file means "not set" and is dropped.
    """
    _RENAMED[old] = new
    _OLD_DEFAULTS[old] = old_default


def renamed_key(key: str) -> str:
    """The key ``key`` stands for now (itself unless it was renamed), warning once about an old name."""
    new = _RENAMED.get(key)
    if new is None:
        return key
    if key not in _WARNED:
        _WARNED.add(key)
        logging.getLogger(__name__).warning(f"config key {key} is deprecated: it is now {new} (read as {new})")
    return new


def renamed_opts(opts):
    """``KEY VALUE ...`` overrides with old key names replaced by their new ones."""
    opts = list(opts)
    return [renamed_key(item) if i % 2 == 0 and isinstance(item, str) else item for i, item in enumerate(opts)]


def _pop_dotted(tree: dict, dotted: str) -> Tuple[bool, Any]:
    """Remove ``A.B.C`` from a nested dict; (whether it was there, its value)."""
    *parents, leaf = dotted.split(".")
    node = tree
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict) or leaf not in node:
        return False, None
    return True, node.pop(leaf)


def _set_dotted(tree: dict, dotted: str, value: Any) -> None:
    """Set ``A.B.C`` in a nested dict, making the parents it lacks."""
    *parents, leaf = dotted.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[leaf] = value


def _rename_in_tree(tree: dict) -> dict:
    """Move old keys of a loaded YAML tree to their new place (an old key at its old default is dropped)."""
    for old, new in _RENAMED.items():
        found, value = _pop_dotted(tree, old)
        if not found or value == _OLD_DEFAULTS.get(old):
            continue
        renamed_key(old)
        _set_dotted(tree, new, value)
    return tree


def merge_config_file(cfg: CfgNode, path: str) -> CfgNode:
    """``cfg.merge_from_file(path)`` (``_BASE_`` included) that also reads renamed keys; returns ``cfg``."""
    loaded = CfgNode.load_yaml_with_base(path, allow_unsafe=False)
    if _RENAMED:
        loaded = _rename_in_tree(loaded)
    cfg.merge_from_other_cfg(type(cfg)(loaded))
    return cfg
