"""The options FastReID cannot hand a reader, from the run's config: which SynthReID preset and seed the
generated readers make, which published trial the visible-infrared readers read, RegDB's query modality and
SYSU-MM01's search mode (keys: ``DATASETS.SYNTHREID``, ``DATASETS.VISIBLE_INFRARED``, ``DATASETS.REGDB``,
``DATASETS.SYSU_MM01``).

FastReID builds every data set from its name and root alone (``DATASET_REGISTRY.get(name)(root=...)``, in its
loaders and in ours), so these reach the readers the way the CUHK03 protocol and the ``*C`` test draw do: the
engine puts them into the run-time options object at set-up (``apply_runtime_config`` ->
:func:`configure_readers`) and every reader built afterwards reads :func:`reader_options`. A keyword argument
given to a reader wins. Being config keys, they are saved with the run (FastReID's ``config.yaml``).

No environment variable sets them: one of :data:`RETIRED_VARIABLES` still set (an old shell profile, a
script) would change nothing, so it stops the run in one line naming the key that replaces it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional, Tuple

from ...utils.errors import RetiredVariableError
from ...utils.runtime import runtime_options, update_runtime_options

# Environment variable -> the config key that replaces it.
RETIRED_VARIABLES = {
    "SYNTHREID_PRESET": "DATASETS.SYNTHREID.PRESET.MARKET",
    "SYNTHREID_SEED": "DATASETS.SYNTHREID.SEED",
    "SYNTHPRCC_PRESET": "DATASETS.SYNTHREID.PRESET.PRCC",
    "SYNTHLTCC_PRESET": "DATASETS.SYNTHREID.PRESET.LTCC",
    "SYNTHEXTERNAL_PRESET": "DATASETS.SYNTHREID.PRESET.EXTERNAL",
    "SYNTHPEDES_PRESET": "DATASETS.SYNTHREID.PRESET.PEDES",
    "SYNTHMLR_PRESET": "DATASETS.SYNTHREID.PRESET.MLR",
    "SYNTHREGDB_PRESET": "DATASETS.SYNTHREID.PRESET.REGDB",
    "SYNTHSYSU_PRESET": "DATASETS.SYNTHREID.PRESET.SYSU",
    "VIREID_TRIAL": "DATASETS.VISIBLE_INFRARED.TRIAL",
    "REGDB_QUERY": "DATASETS.REGDB.QUERY",
    "SYSU_MODE": "DATASETS.SYSU_MM01.MODE",
}


@dataclass(frozen=True)
class ReaderOptions:
    """What the readers read when not told by keyword; the defaults are the config's."""

    synthreid_seed: int = 0  # DATASETS.SYNTHREID.SEED
    # (layout, preset) pairs of DATASETS.SYNTHREID.PRESET; a layout not listed: its reader's default preset
    synthreid_presets: Tuple[Tuple[str, str], ...] = ()
    trial: int = 1  # DATASETS.VISIBLE_INFRARED.TRIAL
    regdb_query: str = "visible"  # DATASETS.REGDB.QUERY
    sysu_mode: str = "all"  # DATASETS.SYSU_MM01.MODE

    def preset(self, layout: str, default: str) -> str:
        """The SynthReID preset the reader of ``layout`` makes."""
        return dict(self.synthreid_presets).get(layout, default)


def refuse_retired_variables(environ: Optional[Mapping[str, str]] = None) -> None:
    """:class:`RetiredVariableError` when a variable of :data:`RETIRED_VARIABLES` is set, naming its key."""
    environ = os.environ if environ is None else environ
    found = [name for name in RETIRED_VARIABLES if name in environ]
    if found:
        keys = ", ".join(f"{name} -> {RETIRED_VARIABLES[name]}" for name in found)
        raise RetiredVariableError(f"environment variable{'s' if len(found) > 1 else ''} {', '.join(found)} no "
                                   f"longer set{'' if len(found) > 1 else 's'} an option: unset "
                                   f"{'them' if len(found) > 1 else 'it'} and give the config key instead "
                                   f"(KEY VALUE after the config file, or in it): {keys}")


def reader_options_from_config(cfg) -> ReaderOptions:
    """The reader options a config asks for."""
    synth = cfg.DATASETS.SYNTHREID
    return ReaderOptions(
        synthreid_seed=int(synth.SEED),
        synthreid_presets=tuple((layout.lower(), str(preset)) for layout, preset in sorted(synth.PRESET.items())),
        trial=int(cfg.DATASETS.VISIBLE_INFRARED.TRIAL), regdb_query=str(cfg.DATASETS.REGDB.QUERY),
        sysu_mode=str(cfg.DATASETS.SYSU_MM01.MODE))


def configure_readers(cfg) -> ReaderOptions:
    """Make the readers built from now on follow ``cfg`` (see the module docstring)."""
    refuse_retired_variables()
    options = reader_options_from_config(cfg)
    update_runtime_options(readers=options)
    return options


def reader_options() -> ReaderOptions:
    """The options in force: the configured ones, or the defaults until a run configures them."""
    refuse_retired_variables()
    return runtime_options().readers or ReaderOptions()
