"""What every ``tools/`` entry script shares: launching, and turning user errors into a message and exit 2."""
import argparse
import sys
from typing import Callable

from ..modeling.meta_arch import TeacherError
from ..utils.errors import (BadImageError, BatchLayoutError, CythonBuildError, NotACheckpointError,
                            QueryWithoutMatchError, ResultsFileError, RetiredVariableError, StageWeightsError,
                            TrainingDataError, UntrustedCheckpointError)
from .guards import NonFiniteLossError
from .launch import launch, world_size_of_launch
from .setup import ConfigError, check_batch_layout, load_config
from .sie_check import SIECameraError
from .validate import SettingsError, check_settings

USER_ERRORS = (ConfigError, FileNotFoundError, BatchLayoutError, UntrustedCheckpointError,
               CythonBuildError, TeacherError, SIECameraError, BadImageError, NonFiniteLossError, ResultsFileError,
               NotACheckpointError, QueryWithoutMatchError, RetiredVariableError, StageWeightsError,
               TrainingDataError)


def run_cli(entry: Callable[[], object]) -> object:
    """Run ``entry``; print user errors as one clear line (no traceback) and exit 2.

    Several invalid settings give one ``error:`` line each.
    """
    try:
        return entry()
    except USER_ERRORS as error:
        lines = error.problems if isinstance(error, SettingsError) else [str(error)]
        for line in lines:
            print(f"error: {line}", file=sys.stderr)
        sys.exit(2)


def launch_from_args(main: Callable, args: argparse.Namespace, check_batch: bool = True) -> None:
    """Validate the config in this process, then run ``main(args)`` on every process of the launch.

    The config is read once here so that a bad key, a missing file or an
    impossible batch layout fails in seconds, before any process is spawned.
    """
    def entry():
        cfg = load_config(args.config_file, args.opts)
        check_settings(cfg, training=not getattr(args, "eval_only", False))
        world_size = world_size_of_launch(args.num_gpus, args.num_machines)
        if check_batch and not getattr(args, "eval_only", False):
            check_batch_layout(cfg, world_size)
        launch(main, args.num_gpus, num_machines=args.num_machines, machine_rank=args.machine_rank,
               dist_url=args.dist_url, args=(args,), device=cfg.MODEL.DEVICE)

    run_cli(entry)
