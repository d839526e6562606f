"""SynthReID: a procedural pedestrian data set in the Market-1501 layout.

No real re-identification data can be downloaded on a fresh machine, so the
demo and the tests run on people drawn here: identities with persistent,
subtly different looks, seen by cameras that differ in scene, light and
viewpoint. Deterministic from a seed (byte-identical files), pure numpy and
Pillow (no torch), and read by FastReID's own ``Market1501`` reader.

Generate from the shell: ``python -m cfat_plugin.data.synthetic --out datasets/``.

Clothes changes: presets ``prcc``, ``ltcc`` and ``external`` dress
each person in several outfits (``clothes.py``) and write PRCC's and LTCC's
own layouts (``layouts/``) with attribute labels; see ``README.md`` here.
Captions: preset ``pedes`` writes CUHK-PEDES's layout, two
captions per image from a grammar over the drawn attributes (``captions.py``).
Infrared cameras and the SYSU-MM01 / RegDB layouts (``--preset sysu``,
``--preset regdb``): ``infrared.py``, ``layouts/`` and ``README.md``.
Low resolution: natively small cameras (``lowres_cameras``,
preset ``lowres``) and MLR-CUHK03's layout with down-sampled queries (preset
``mlr``): ``lowres.py``, ``layouts/mlr.py`` and ``README.md``.
"""
from .generate import CONTACT_SHEET, MANIFEST, ensure_dataset, generate, read_manifest
from .layouts import plan_dataset
from .naming import SPLIT_DIRS, format_name, parse_name
from .plan import ImageRecord, summarize
from .render import render_record
from .spec import GENERATOR_VERSION, PRESETS, SynthSpec, folder_name, preset

__all__ = [
    "CONTACT_SHEET", "GENERATOR_VERSION", "ImageRecord", "MANIFEST", "PRESETS", "SPLIT_DIRS", "SynthSpec",
    "ensure_dataset", "folder_name", "format_name", "generate", "parse_name", "plan_dataset", "preset",
    "read_manifest", "render_record", "summarize",
]

