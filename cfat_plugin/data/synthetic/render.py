"""Rendering one planned record to an image: a pure function of (spec, record).

A crop is composed like a detector's box: a window of the camera's scene,
maybe a passer-by behind, the person (standing size, position and viewpoint
fixed for the tracklet; pose, box jitter and occlusion per frame), drawn at
``SUPERSAMPLE`` times the size and box-filtered down (anti-aliasing), then
passed through the camera's light and sensor.

An infrared camera (``SynthSpec.ir_cameras``) draws the same scene with every
material swapped for its near-infrared grey and its own sensor model (see
``infrared.py``); it draws the same random numbers as a visible one, plus its
own sensor noise from a stream of its own, so turning one camera to IR changes
no pixel of the others. The dressed layouts (clothes changes, pedes) render
the person in an outfit (``render_clothes_record``), in either modality.

A low-resolution camera (``SynthSpec.lowres_cameras``, ``lowres.py``) draws
its people directly at its small crop height (from a stream of its own; the
rest of the tracklet and frame is drawn as in any camera) and passes them
through its own stronger blur, noise and compression after the ordinary
sensor, so the other cameras do not change. An MLR record (``record.scale``
above 1) is rendered at full size and down-sampled by that factor.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw

from . import rng as streams
from .clothes import dressed_identity
from .clothes_plan import draw_seed
from .fine_identity import sample_fine_identity
from .camera import PANORAMA_SIZE, Camera, apply_sensor, panorama, sample_camera
from .identity import Identity, sample_identity
from .infrared import apply_ir_sensor, nir_identity, nir_paint, nir_panorama, sample_ir_camera
from .layouts import get_layout
from .lowres import apply_lowres_sensor, downsample, height_range, is_lowres, lowres_height, sample_lowres_camera
from .person import VIEWS, Pose, draw_person
from .plan import ImageRecord
from .shapes import Color, ellipse, shade
from .spec import SynthSpec

SUPERSAMPLE = 3


@dataclass(frozen=True)
class Modality:
    """How one camera turns the drawn materials into pixels (identity maps for a visible camera)."""

    person: Callable[[Identity], Identity]  # the look of a person under this camera's light
    paint: Callable[[Color, str], Color]  # an unnamed material ("paint" or "foliage")
    scene: Callable[[], Image.Image]  # the camera's panorama
    sensor: Callable[[Image.Image, np.random.Generator, float], Image.Image]  # (image, frame rng, light)


def visible_modality(camera: Camera) -> Modality:
    """A colour camera: what was drawn, through :func:`apply_sensor`."""
    return Modality(person=lambda ident: ident, paint=lambda color, material: color,
                    scene=lambda: panorama(camera),
                    sensor=lambda img, rng, light: apply_sensor(img, camera, rng, light=light))


def infrared_modality(spec: SynthSpec, camera: Camera, noise_rng: np.random.Generator) -> Modality:
    """A near-infrared camera: NIR materials and scene, its own sensor fed by ``noise_rng``
    (so the frame's own stream is consumed exactly as by a visible camera); drawn with the
    camera's seed (``spec.seed``, or the external set's own)."""
    ir = sample_ir_camera(camera.seed, camera.index, spec.difficulty)
    return Modality(person=nir_identity, paint=nir_paint, scene=lambda: nir_panorama(camera, ir),
                    sensor=lambda img, rng, light: apply_ir_sensor(img, ir, noise_rng, light=light))


@dataclass(frozen=True)
class Tracklet:
    """What stays fixed while one identity walks through one camera."""

    height: int  # crop height in output pixels
    aspect: float  # crop width / height
    view: str
    fill: float  # standing person height / crop height
    cx: float  # person centre, fraction of crop width
    bg_zoom: float  # scene window height / scene height
    bg_x: float  # scene window left edge, fraction of the free width
    bg_drift: float  # per-frame window shift, fraction of scene width
    light: float
    phase: float
    phase_step: float


def sample_tracklet(spec: SynthSpec, camera: Camera, pid: int, rng: np.random.Generator | None = None) -> Tracklet:
    """The tracklet of ``pid`` in ``camera``, from its own stream unless ``rng`` is given
    (the clothes layouts key one per outfit)."""
    if rng is None:
        rng = streams.stream(spec.seed, streams.TRACKLET, pid, camera.index)
    lo, hi = spec.height_range
    d = spec.difficulty
    return Tracklet(
        height=int(rng.integers(lo, hi + 1)),
        aspect=float(rng.uniform(*camera.aspect)),
        view=VIEWS[int(rng.choice(4, p=np.array(camera.view_weights)))],
        fill=float(rng.uniform(*camera.fill)),
        cx=float(0.5 + rng.normal(0.0, 0.03)),
        bg_zoom=float(rng.uniform(0.5, 0.9)),
        bg_x=float(rng.uniform(0.0, 1.0)),
        bg_drift=float(rng.uniform(-0.015, 0.015)),
        light=float(rng.uniform(1.0 - 0.15 * d, 1.0 + 0.1 * d)),
        phase=float(rng.uniform(0.0, 2.0 * math.pi)),
        phase_step=float(rng.uniform(0.8, 1.8)),
    )


def _background(scene: Image.Image, size: tuple[int, int], zoom: float, x_frac: float) -> Image.Image:
    """A window of the camera's scene, resized to ``size``; its bottom rests on the floor."""
    pw, ph = PANORAMA_SIZE
    w, h = size
    win_h = ph * zoom
    win_w = min(pw, win_h * w / h)
    x0 = (pw - win_w) * min(1.0, max(0.0, x_frac))
    y0 = ph - win_h
    return scene.resize(size, Image.BILINEAR, box=(x0, y0, x0 + win_w, y0 + win_h))


def _occlude(canvas: Image.Image, rng: np.random.Generator, seed: int, difficulty: float, look: Modality) -> None:
    """Something between the camera and the person: low clutter, a pole, or a passer-by."""
    w, h = canvas.size
    draw = ImageDraw.Draw(canvas)
    kind = int(rng.integers(3))
    color = tuple(int(v) for v in rng.integers(30, 200, size=3))
    if kind == 0:  # bush, box, car bonnet: hides the legs
        top = h * float(rng.uniform(0.62, 0.82))
        left, right = sorted(float(v) for v in rng.uniform(-0.3 * w, 1.3 * w, size=2))
        if right - left < 0.5 * w:
            right = left + 0.5 * w
        if rng.random() < 0.5:
            green = (int(rng.integers(30, 70)), int(rng.integers(80, 130)), int(rng.integers(30, 60)))
            ellipse(draw, ((left + right) / 2, h), (right - left) / 2, h - top, look.paint(green, "foliage"))
        else:
            draw.rounded_rectangle((left, top, right, h + 10), radius=0.05 * w, fill=look.paint(color, "paint"))
    elif kind == 1:  # pole or sign post
        x, half = w * float(rng.uniform(0.1, 0.9)), w * float(rng.uniform(0.04, 0.1))
        draw.rectangle((x - half, 0, x + half, h), fill=look.paint(color, "paint"))
        draw.rectangle((x - half * 0.3, 0, x - half * 0.1, h), fill=look.paint(shade(color, 1.2), "paint"))
    else:  # a passer-by close to the camera, cut by the box edge
        other = look.person(sample_identity(seed, int(rng.integers(2**31)), difficulty, tag=streams.EXTRA_PERSON))
        side = 1 if rng.random() < 0.5 else -1
        height = h * float(rng.uniform(1.0, 1.3))
        cx = w / 2 + side * w * float(rng.uniform(0.55, 0.75))
        draw_person(canvas, other, Pose(VIEWS[int(rng.integers(4))], float(rng.uniform(0, 6.283)), cx,
                                        h * float(rng.uniform(1.0, 1.15)), height))


def _passer_by(canvas: Image.Image, rng: np.random.Generator, seed: int, difficulty: float, look: Modality) -> None:
    """A smaller, farther person behind the subject (background clutter)."""
    w, h = canvas.size
    other = look.person(sample_identity(seed, int(rng.integers(2**31)), difficulty, tag=streams.EXTRA_PERSON))
    height = h * float(rng.uniform(0.35, 0.6))
    cx = w * float(rng.uniform(-0.1, 1.1))
    draw_person(canvas, other, Pose(VIEWS[int(rng.integers(4))], float(rng.uniform(0, 6.283)), cx,
                                    h * float(rng.uniform(0.55, 0.75)), height))


def _canvas_size(height: int, aspect: float) -> tuple[int, int]:
    return max(16, int(round(height * aspect))), height


def _render_person_crop(spec: SynthSpec, camera: Camera, ident: Identity, pid: int, index: int,
                        rng: np.random.Generator, look: Modality, misplace: bool = False,
                        trk: Tracklet | None = None) -> tuple[Image.Image, Pose]:
    """The crop and the pose the person was drawn in."""
    trk = trk or sample_tracklet(spec, camera, pid)
    if is_lowres(spec, camera.index):  # drawn small, not shrunk: the height from the camera's own stream
        trk = dataclasses.replace(trk, height=lowres_height(spec, camera.seed, pid, camera.index))
    d, s = spec.difficulty, SUPERSAMPLE
    # the detector's box wobbles from frame to frame
    out_h = max(height_range(spec, camera.index)[0] // 2, int(round(trk.height * float(rng.uniform(0.96, 1.04)))))
    out_w, out_h = _canvas_size(out_h, trk.aspect * float(rng.uniform(0.96, 1.04)))
    W, H = out_w * s, out_h * s
    canvas = _background(look.scene(), (W, H), trk.bg_zoom, trk.bg_x + index * trk.bg_drift)
    if rng.random() < 0.1 + 0.15 * d:
        _passer_by(canvas, rng, spec.seed, d, look)
    fill = trk.fill * ident.height * float(rng.uniform(0.97, 1.03))
    cx = W * (trk.cx + float(rng.normal(0.0, 0.025)))
    foot_y = H * (1.0 - float(rng.uniform(0.01, 0.05)))
    if misplace:  # junk: the box caught only part of the person, or far too much around them
        if rng.random() < 0.5:
            cx += W * float(rng.choice([-1, 1])) * float(rng.uniform(0.4, 0.6))
        else:
            fill *= float(rng.uniform(0.35, 0.55))
            cx = W * float(rng.uniform(0.25, 0.75))
    pose = Pose(trk.view, trk.phase + index * trk.phase_step + float(rng.normal(0.0, 0.2)), cx, foot_y, H * fill)
    draw_person(canvas, look.person(ident), pose)
    if rng.random() < 0.08 + 0.17 * d:
        _occlude(canvas, rng, spec.seed, d, look)
    small = canvas.reduce(s)
    light = trk.light * float(rng.uniform(0.96, 1.04))
    return look.sensor(small, rng, light), pose


def _render_distractor(spec: SynthSpec, camera: Camera, index: int, rng: np.random.Generator,
                       look: Modality) -> Image.Image:
    """A false detection: empty scene, a body fragment, or a person half out of the box."""
    lo, hi = height_range(spec, camera.index)
    out_w, out_h = _canvas_size(int(rng.integers(lo, hi + 1)), float(rng.uniform(*camera.aspect)))
    s = SUPERSAMPLE
    W, H = out_w * s, out_h * s
    canvas = _background(look.scene(), (W, H), float(rng.uniform(0.3, 0.9)), float(rng.uniform(0, 1)))
    kind = int(rng.integers(3))
    if kind > 0:
        other = sample_identity(spec.seed, 1_000_000 + index, spec.difficulty, tag=streams.EXTRA_PERSON)
        view = VIEWS[int(rng.integers(4))]
        if kind == 1:  # fragment: a much larger person, only a part in view
            height = H * float(rng.uniform(1.6, 2.6))
            foot_y = H * float(rng.uniform(0.5, 1.0)) + height * float(rng.uniform(0.0, 0.5))
            pose = Pose(view, float(rng.uniform(0, 6.283)), W / 2, foot_y, height)
        else:  # half out of the box
            side = 1 if rng.random() < 0.5 else -1
            pose = Pose(view, float(rng.uniform(0, 6.283)), W / 2 + side * W * float(rng.uniform(0.4, 0.6)),
                        H * 0.97, H * 0.85)
        draw_person(canvas, look.person(other), pose)
    if rng.random() < 0.3:
        _occlude(canvas, rng, spec.seed, spec.difficulty, look)
    small = canvas.reduce(s)
    return look.sensor(small, rng, float(rng.uniform(0.9, 1.1)))


_KINDS = ("person", "junk", "distractor")  # record kinds; an IR frame's noise stream is keyed by the index


def _modality(spec: SynthSpec, camera: Camera, noise_keys: tuple[int, ...]) -> Modality:
    """The modality of ``camera``: infrared (sensor noise from the stream keyed ``noise_keys``)
    if it is one of ``spec.ir_cameras``, else visible; a low-resolution camera's own sensor after it."""
    if camera.index not in spec.ir_cameras:
        look = visible_modality(camera)
    else:
        look = infrared_modality(spec, camera, streams.stream(camera.seed, streams.IR_SENSOR, *noise_keys))
    if is_lowres(spec, camera.index):
        look = lowres_modality(look, spec, camera, noise_keys)
    return look


def lowres_modality(look: Modality, spec: SynthSpec, camera: Camera, noise_keys: tuple[int, ...]) -> Modality:
    """``look`` with the low-resolution camera's sensor after its own; that sensor's noise comes
    from a stream keyed ``noise_keys`` (the frame's own stream is consumed as in any camera)."""
    lr = sample_lowres_camera(camera.seed, camera.index, spec.difficulty)
    noise_rng = streams.stream(camera.seed, streams.LOWRES_SENSOR, *noise_keys)
    return dataclasses.replace(look, sensor=lambda img, rng, light: apply_lowres_sensor(
        look.sensor(img, rng, light), lr, noise_rng))


def person_identity(spec: SynthSpec, pid: int) -> Identity:
    """The look of identity ``pid`` in a one-outfit layout, drawn as ``spec.identity_cues`` says."""
    if spec.identity_cues == "fine":
        return sample_fine_identity(spec.seed, pid, spec.difficulty)
    return sample_identity(spec.seed, pid, spec.difficulty)


def render_record(spec: SynthSpec, record: ImageRecord) -> Image.Image:
    """The image of ``record``; identical on every call, process and machine. A record with
    ``scale`` above 1 (MLR-CUHK03's low-resolution images) is down-sampled by it."""
    if record.scale > 1:
        return downsample(render_record(spec, record._replace(scale=1)), record.scale)
    if get_layout(spec.layout).dressed:
        return render_clothes_record(spec, record)[0]
    camera = sample_camera(spec.seed, record.camid, spec.difficulty)
    if record.kind not in _KINDS:
        raise ValueError(f"unknown record kind {record.kind!r}")
    look = _modality(spec, camera, (_KINDS.index(record.kind), record.pid + 1, record.camid, record.index))
    if record.kind == "person":
        rng = streams.stream(spec.seed, streams.IMAGE, record.pid, record.camid, record.index)
        ident = person_identity(spec, record.pid)
        return _render_person_crop(spec, camera, ident, record.pid, record.index, rng, look)[0]
    if record.kind == "junk":
        rng = streams.stream(spec.seed, streams.JUNK, record.index, 1)
        ident = person_identity(spec, record.source)
        return _render_person_crop(spec, camera, ident, record.source, int(rng.integers(8)), rng, look,
                                   misplace=True)[0]
    rng = streams.stream(spec.seed, streams.DISTRACTOR, record.index, 1)
    return _render_distractor(spec, camera, record.index, rng, look)


def render_clothes_record(spec: SynthSpec, record: ImageRecord) -> tuple[Image.Image, Pose]:
    """The image of a record of a dressed layout (clothes changes, pedes): the person in
    outfit ``record.clothes``, and the pose drawn, for the attribute labels.

    Tracklet and frame streams are keyed by the outfit too: a person passes a
    camera once per outfit that camera sees. An infrared camera sees the outfit
    in its NIR greys, as in the Market layout.
    """
    seed = draw_seed(spec)
    camera = sample_camera(seed, record.camid, spec.difficulty)
    ident = dressed_identity(seed, record.pid, record.clothes, spec.difficulty, spec.identity_cues)
    trk = sample_tracklet(spec, camera, record.pid,
                          rng=streams.stream(seed, streams.CLOTHES_TRACKLET, record.pid, record.camid, record.clothes))
    rng = streams.stream(seed, streams.CLOTHES_IMAGE, record.pid, record.camid, record.clothes, record.index)
    look = _modality(spec, camera, (len(_KINDS), record.pid, record.camid, record.clothes, record.index))
    return _render_person_crop(spec, camera, ident, record.pid, record.index, rng, look, trk=trk)
