"""Building a run's config from a file and overrides, with errors a user can act on."""
import argparse
import difflib
import os
import re
from typing import Iterator, List, Optional

import yaml

from fastreid.config import CfgNode, get_cfg
from fastreid.engine import default_setup

from ..config import add_cfat_config
from ..utils.config_keys import merge_config_file, renamed_opts
from ..utils.runtime import options_from_config, set_runtime_options
from ..data.config import datasets_root
from ..data.datasets.reader_options import refuse_retired_variables


class ConfigError(ValueError):
    """The config file or an override is wrong."""


def _keys(node: CfgNode, prefix: str = "") -> Iterator[str]:
    """Every leaf key of ``node``, dotted (``SOLVER.MAX_EPOCH``)."""
    for name, value in node.items():
        if isinstance(value, CfgNode):
            yield from _keys(value, f"{prefix}{name}.")
        else:
            yield prefix + name


def closest_key(key: str, cfg: CfgNode) -> Optional[str]:
    """The existing key a misspelt ``key`` most likely meant, or None when none is close."""
    found = difflib.get_close_matches(key, list(_keys(cfg)), n=1, cutoff=0.8)
    return found[0] if found else None


def _describe(error: Exception, cfg: CfgNode) -> str:
    """yacs' message, with a hint when the key does not exist (the closest key, where one is close)."""
    message = str(error.args[0]) if error.args else repr(error)
    if "Non-existent" in message:
        unknown = re.search(r"Non-existent (?:config )?key: (\S+)", message)
        guess = closest_key(unknown.group(1), cfg) if unknown else None
        message += f" (did you mean {guess}?)" if guess else " (not a FastReID or cfat_plugin config key)"
    return message


def _yaml_problem(error: yaml.YAMLError) -> str:
    """A YAML syntax error as one phrase with its line and column."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    what = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"{where}not valid YAML ({what})"


def load_config(config_file: str = "", opts: Optional[List[str]] = None) -> CfgNode:
    """FastReID defaults + plugin keys + ``config_file`` + ``KEY VALUE`` overrides.

    An environment variable that once set a reader option and is still set stops here, naming its key
    (``RetiredVariableError``), before anything runs.
    """
    refuse_retired_variables()
    cfg = add_cfat_config(get_cfg())
    if config_file:
        if not os.path.isfile(config_file):
            raise ConfigError(f"Config file not found: {config_file}")
        try:
            merge_config_file(cfg, config_file)  # FastReID's merge, old key names read as their new ones
        except yaml.YAMLError as error:  # names the file it failed in: a _BASE_ may be the broken one
            raise ConfigError(f"{getattr(error, 'problem_mark', None) and error.problem_mark.name or config_file}: "
                              f"{_yaml_problem(error)}") from None
        except (KeyError, AssertionError, ValueError) as error:
            raise ConfigError(f"{config_file}: {_describe(error, cfg)}") from None
    if opts:
        if len(opts) % 2:
            raise ConfigError(f"Overrides must be KEY VALUE pairs, got an odd count: {opts}")
        try:
            cfg.merge_from_list(renamed_opts(opts))
        except (KeyError, AssertionError, ValueError) as error:
            raise ConfigError(f"command line: {_describe(error, cfg)}") from None
    return cfg


def apply_runtime_config(cfg: CfgNode) -> None:
    """Point FastReID and the compat fixes at this run's settings (data root, AMP, trusted files, the readers'
    options); a retired environment variable still set stops here (``RetiredVariableError``)."""
    import fastreid.data.build as data_build

    from ..data.datasets.corrupted import configure_corrupted_test
    from ..data.datasets.reader_options import configure_readers

    data_build._root = datasets_root(cfg)
    set_runtime_options(options_from_config(cfg))
    configure_corrupted_test(cfg)
    configure_readers(cfg)


def check_batch_layout(cfg: CfgNode, world_size: int) -> None:
    """Fail before any process starts when the global batch cannot be split as configured."""
    from ..utils.batch_layout import check_identity_batch
    from ..utils.errors import BatchLayoutError

    batch = cfg.SOLVER.IMS_PER_BATCH
    if batch % world_size:
        raise BatchLayoutError(f"SOLVER.IMS_PER_BATCH = {batch} does not split evenly over {world_size} "
                               f"processes; make it a multiple of {world_size}.")
    if cfg.DATALOADER.SAMPLER_TRAIN in ("NaiveIdentitySampler", "BalancedIdentitySampler"):
        check_identity_batch(batch // world_size, cfg.DATALOADER.NUM_INSTANCE, num_identities=10 ** 9,
                             world_size=world_size)


def setup(args: argparse.Namespace) -> CfgNode:
    """The frozen config of a ``tools/`` run, with FastReID's logging and output folder."""
    from fastreid.utils import comm
    from fastreid.utils.env import seed_all_rng
    from fastreid.utils.logger import setup_logger

    cfg = load_config(args.config_file, args.opts)
    if getattr(args, "eval_only", False):
        # evaluating a CFAT student needs no teacher
        cfg.MODEL.TEACHER.ENABLED = False
    cfg.freeze()
    default_setup(cfg, args)
    if cfg.SEED >= 0:  # after default_setup, which seeds from the clock
        seed_all_rng(cfg.SEED + comm.get_rank())
    # the plugin's own loggers (weight-load reports, robustness progress) into the same log
    setup_logger(cfg.OUTPUT_DIR, distributed_rank=comm.get_rank(), name="cfat_plugin", abbrev_name="cfat")
    apply_runtime_config(cfg)
    return cfg
