"""A stage of a comparison -- training, the robustness benchmark, a rank-list sheet -- as a typed request.

A stage runs in its own process (a crash, a leak or FastReID's global logging set-up stays there,
and training resumes from its own checkpoints), but what crosses the process boundary is one
:class:`StageRequest` written as JSON beside the stage's output, not a command line built from
strings: ``python -m cfat_plugin.demo.stages REQUEST.json`` reads it back and calls the package's
entry functions (:mod:`cfat_plugin.engine.entry_points`). Config values keep their types
(``("SynthReID",)``, ``["fog", "contrast"]``, ``True``) until FastReID's config merges them.
"""
import json
import os
import sys
from dataclasses import asdict, dataclass
from typing import Any, List, Sequence, Tuple

Overrides = Tuple[Tuple[str, Any], ...]
ENTRIES = ("train_net", "eval_robustness", "visualize_ranks")


def config_pairs(*flat: Sequence[Any]) -> Overrides:
    """``KEY VALUE KEY VALUE ...`` sequences (FastReID's ``opts`` shape) as ``((KEY, VALUE), ...)``."""
    items = [item for sequence in flat for item in sequence]
    if len(items) % 2:
        raise ValueError(f"config overrides come in KEY VALUE pairs; {items[-1]!r} has no value")
    return tuple((str(items[i]), items[i + 1]) for i in range(0, len(items), 2))


def config_text(value: Any) -> str:
    """How FastReID's ``merge_from_list`` reads a value back: strings as they are, the rest as literals."""
    if isinstance(value, str):
        return value
    return repr(_jsonable(value))


@dataclass(frozen=True)
class StageRequest:
    """One run of an entry point: its config file, output folder and typed config overrides."""

    entry: str  # "train_net" (training, resumed from the output folder), "eval_robustness" or "visualize_ranks"
    config_file: str
    output_dir: str
    overrides: Overrides = ()
    options: Tuple[str, ...] = ()  # the entry's own command-line options (visualize_ranks: -o, --second-weights, ...)

    def __post_init__(self):
        if self.entry not in ENTRIES:
            raise ValueError(f"unknown stage entry {self.entry!r}; valid: {', '.join(ENTRIES)}")

    def opts(self) -> List[str]:
        """The overrides as FastReID's ``opts`` list (``OUTPUT_DIR`` first)."""
        opts = ["OUTPUT_DIR", self.output_dir]
        for key, value in self.overrides:
            opts += [key, config_text(value)]
        return opts

    def to_json(self) -> dict:
        return {**asdict(self), "overrides": [[key, _jsonable(value)] for key, value in self.overrides],
                "options": list(self.options)}

    @classmethod
    def from_json(cls, data: dict) -> "StageRequest":
        return cls(data["entry"], data["config_file"], data["output_dir"],
                   tuple((key, value) for key, value in data["overrides"]), tuple(data.get("options", ())))

    def write(self, request_path: str) -> None:
        """Save the request as JSON, for the child process (and as a record beside the stage's output)."""
        with open(request_path, "w") as f:
            json.dump(self.to_json(), f, indent=1)

    @staticmethod
    def command(request_path: str) -> List[str]:
        """The child process: this module of the package, reading the request from ``request_path``."""
        return [sys.executable, "-m", "cfat_plugin.demo.stages", request_path]


def _jsonable(value: Any) -> Any:
    """Tuples as lists: what JSON and FastReID's list-valued keys hold."""
    return list(value) if isinstance(value, tuple) else value


def run_stage(request: StageRequest) -> None:
    """Run ``request`` in this process, through the same launcher and checks as the ``tools/`` scripts."""
    from fastreid.engine import default_argument_parser

    from ..engine.cli import launch_from_args
    from ..engine.entry_points import eval_robustness, train_net
    from ..engine.visualize_ranks import visualize_ranks_cli

    if request.entry == "visualize_ranks":  # one process, no launcher: it only extracts features
        visualize_ranks_cli(["--config-file", request.config_file, *request.options, *request.opts()])
        return
    args = default_argument_parser().parse_args(["--config-file", request.config_file])
    args.opts = request.opts()
    if request.entry == "train_net":
        args.resume = True  # an interrupted stage continues from its last checkpoint
        launch_from_args(train_net, args)
    else:
        args.eval_only = True
        launch_from_args(eval_robustness, args, check_batch=False)


def main(argv: Sequence[str] = None) -> None:
    """``python -m cfat_plugin.demo.stages REQUEST.json``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 1 or not os.path.isfile(argv[0]):
        sys.exit("usage: python -m cfat_plugin.demo.stages REQUEST.json (a request written by StageRequest)")
    with open(argv[0]) as f:
        run_stage(StageRequest.from_json(json.load(f)))


if __name__ == "__main__":  # importing the package above applied the compat fixes and registrations
    main()
