"""The cells of a robustness run: which query and gallery versions each one compares.

A *version* of the query or gallery is clean, or corrupted under one spec; a
cell pairs a query version with a gallery version. Planning cells as data
lets the evaluator extract each version's features once and share them
(clean query and gallery are used by three settings and every repeat).
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from ..data.corruptions import CORRUPTION_TYPES, SEVERITIES, FixedCorruption, RandomCorruption

CLEAN = None  # the clean version of a side


@dataclass(frozen=True)
class Cell:
    """One evaluation: ``query`` and ``gallery`` are a spec or CLEAN."""

    cell_id: str
    kind: str  # clean | random | grid | seen | held_out
    setting: str  # clean | both | query | gallery
    query: Optional[object]
    gallery: Optional[object]
    corruption: str = ""
    severity: int = 0
    repeat: int = -1

    def versions(self) -> List[Tuple[str, Optional[object]]]:
        return [("query", self.query), ("gallery", self.gallery)]


@dataclass
class Plan:
    """Every cell of a run, in the order they are evaluated."""

    cells: List[Cell] = field(default_factory=list)

    def by_kind(self, kind: str) -> List[Cell]:
        return [c for c in self.cells if c.kind == kind]


def _random_cells(kind: str, settings: Sequence[str], types: Tuple[str, ...], severities: Tuple[int, ...],
                  seed: int, repeats: int, label: str) -> List[Cell]:
    cells = []
    for repeat in range(repeats):
        spec = RandomCorruption(types, severities, seed, repeat)
        sides = {"both": (spec, spec), "query": (spec, CLEAN), "gallery": (CLEAN, spec)}
        for setting in settings:
            if setting in sides:
                q, g = sides[setting]
                cells.append(Cell(f"{label}/{setting}/r{repeat}", kind, setting, q, g, repeat=repeat))
    return cells


def plan_cells(settings: Sequence[str], repeats: int, seed: int, types: Sequence[str] = (),
               severities: Sequence[int] = (), grid: bool = False,
               seen_types: Optional[Sequence[str]] = None, grid_severities: Sequence[int] = (),
               grid_types: Sequence[str] = ()) -> Plan:
    """The cells of a run.

    ``settings``: the benchmark settings to evaluate with random draws;
    ``grid``: one ``both`` cell per (type, severity); ``seen_types``: the
    training corruption types, to add ``both`` cells drawn only from seen and
    only from held-out types (skipped when nothing is held out);
    ``grid_types`` / ``grid_severities``: the grid's rows and columns (empty:
    ``types`` / ``severities``), so a cheaper grid leaves the random draws alone.
    """
    types = tuple(types) or CORRUPTION_TYPES
    severities = tuple(int(s) for s in severities) or SEVERITIES
    unknown = set(settings) - {"clean", "both", "query", "gallery"}
    if unknown:
        raise ValueError(f"TEST.ROBUSTNESS.SETTINGS: unknown settings {sorted(unknown)}")
    plan = Plan([Cell("clean", "clean", "clean", CLEAN, CLEAN)])
    plan.cells += _random_cells("random", [s for s in settings if s != "clean"], types, severities,
                                seed, repeats, "random")
    if seen_types:
        seen = tuple(t for t in types if t in set(seen_types))
        held_out = tuple(t for t in types if t not in set(seen_types))
        if seen and held_out:
            plan.cells += _random_cells("seen", ["both"], seen, severities, seed, repeats, "seen")
            plan.cells += _random_cells("held_out", ["both"], held_out, severities, seed, repeats, "held_out")
    if grid:
        for name in tuple(grid_types) or types:
            for severity in tuple(int(s) for s in grid_severities) or severities:
                spec = FixedCorruption(name, severity, seed)
                plan.cells.append(Cell(f"grid/{name}/{severity}", "grid", "both", spec, spec,
                                       corruption=name, severity=severity))
    return plan


def last_use(plan: Plan) -> Dict[Tuple[str, object], int]:
    """For each (side, version): the index of the last cell that needs it (to free memory after)."""
    last = {}
    for index, cell in enumerate(plan.cells):
        for side, version in cell.versions():
            last[(side, version)] = index
    return last
