"""Drawing one pedestrian from an :class:`Identity` in a walking :class:`Pose`.

The body is a 2-D skeleton (head, shoulders, elbows, wrists, hips, knees,
ankles) laid out in fractions of the person's height ``P``, posed by a
walking phase, then dressed: limbs are tapered capsules, the torso a polygon
filled with the garment pattern. Views: front, back, and side (left/right,
one mirrored from the other). What a view shows follows the real thing: a
logo only from the front, a backpack mostly from the back, one arm in profile.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from .identity import Identity
from .shapes import Color, Point, capsule, ellipse, paste_texture, rotated_rect, shade

VIEWS = ("front", "back", "left", "right")


@dataclass(frozen=True)
class Pose:
    """Where and how a person stands in the canvas (pixels of the supersampled canvas)."""

    view: str
    phase: float  # walking-cycle phase, radians
    cx: float  # body centre line
    foot_y: float  # soles
    height_px: float  # head top to soles when standing
    stride: float = 0.34  # leg swing amplitude in profile, radians


def _mix(a: Color, b: Color, t: float) -> Color:
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))


class _Body:
    """Joint positions of one posed person; ``x(off)`` maps a body-frame offset
    (positive = the way the person faces, in profile) to canvas x."""

    def __init__(self, ident: Identity, pose: Pose) -> None:
        if pose.view not in VIEWS:
            raise ValueError(f"unknown view {pose.view!r}; choose one of {VIEWS}")
        self.ident, self.pose = ident, pose
        P = self.P = pose.height_px
        self.side = pose.view in ("left", "right")
        self.dir = -1.0 if pose.view == "left" else 1.0
        b = ident.build
        self.cx = pose.cx
        top = pose.foot_y - P
        self.head_ry = 0.062 * P * ident.head
        self.head_rx = (0.052 if self.side else 0.047) * P * ident.head
        self.head_c = (self.x(0.008 * P if self.side else 0.0), top + self.head_ry)
        self.shoulder_y = top + 0.175 * P
        self.hip_y = pose.foot_y - 0.49 * P * ident.leg_ratio
        self.ankle_y = pose.foot_y - 0.035 * P
        self.sw, self.hw = 0.112 * P * b, 0.09 * P * b
        self.arm_w, self.fore_w = 0.05 * P * b, 0.042 * P * b
        self.thigh_w, self.shin_w = 0.068 * P * b, 0.052 * P * b
        self.upper_arm, self.forearm = 0.165 * P, 0.15 * P
        self.leg_seg = (self.ankle_y - self.hip_y) / 2.0
        self._legs()
        self._arms()

    def x(self, off: float) -> float:
        return self.cx + self.dir * off

    def _legs(self) -> None:
        P, s = self.P, math.sin(self.pose.phase)
        if self.side:
            legs = []
            for theta in (self.pose.stride * s, -self.pose.stride * s):
                knee_angle = theta * 0.7 if theta > 0 else theta - 0.9 * abs(theta) - 0.05
                hip = (self.cx, self.hip_y)
                knee = (self.x(self.leg_seg * math.sin(theta)), self.hip_y + self.leg_seg * math.cos(theta))
                ankle = (knee[0] + self.dir * self.leg_seg * math.sin(knee_angle),
                         knee[1] + self.leg_seg * math.cos(knee_angle))
                legs.append([hip, knee, ankle])
            # keep the lower foot on the ground: the whole body bobs instead
            bob = self.ankle_y - max(legs[0][2][1], legs[1][2][1])
            self._shift(bob)
            self.legs = [[(px, py + bob) for px, py in leg] for leg in legs]
        else:
            spread, lift = 0.045 * P * self.ident.build, 0.035 * P
            self.legs = []
            for sign, up in ((-1, max(0.0, s)), (1, max(0.0, -s))):
                hip = (self.cx + sign * spread, self.hip_y)
                ankle = (self.cx + sign * (spread + 0.008 * P), self.ankle_y - lift * up)
                knee = ((hip[0] + ankle[0]) / 2 - sign * 0.004 * P, (hip[1] + ankle[1]) / 2 - 0.3 * lift * up)
                self.legs.append([hip, knee, ankle])

    def _shift(self, dy: float) -> None:
        self.head_c = (self.head_c[0], self.head_c[1] + dy)
        self.shoulder_y += dy
        self.hip_y += dy

    def _arms(self) -> None:
        P, s = self.P, math.sin(self.pose.phase)
        swing = 0.45 * self.ident.arm_swing
        sy = self.shoulder_y + 0.02 * P
        self.arms = []
        if self.side:
            for alpha in (-swing * s, swing * s):  # near arm swings against the near leg
                bend = 0.2 + 0.4 * max(0.0, alpha)
                shoulder = (self.cx, sy)
                elbow = (self.x(self.upper_arm * math.sin(alpha)), sy + self.upper_arm * math.cos(alpha))
                wrist = (elbow[0] + self.dir * self.forearm * math.sin(alpha + bend),
                         elbow[1] + self.forearm * math.cos(alpha + bend))
                self.arms.append([shoulder, elbow, wrist])
        else:
            for sign, phase in ((-1, s), (1, -s)):
                shoulder = (self.cx + sign * (self.sw - 0.45 * self.arm_w), sy)
                short = 1.0 - 0.1 * abs(phase) * self.ident.arm_swing
                elbow = (shoulder[0] + sign * 0.018 * P, sy + self.upper_arm * short)
                wrist = (elbow[0] + sign * 0.006 * P, elbow[1] + self.forearm * short)
                self.arms.append([shoulder, elbow, wrist])

    def torso(self) -> list[Point]:
        P, b, sy, hy = self.P, self.ident.build, self.shoulder_y, self.hip_y
        if self.side:  # back shoulder, front shoulder, chest, front waist, front hip, back hip, back waist
            waist_y, low_y = hy - 0.09 * P, hy + 0.01 * P
            outline = [(-0.058, sy), (0.05, sy + 0.008 * P), (0.064, sy + 0.085 * P), (0.05, waist_y),
                       (0.056, low_y), (-0.058, low_y), (-0.05, waist_y)]
            return [(self.x(dx * P * b), y) for dx, y in outline]
        waist = 0.085 * P * b
        return [(self.cx - self.sw, sy + 0.012 * P), (self.cx - self.sw * 0.8, sy - 0.006 * P),
                (self.cx + self.sw * 0.8, sy - 0.006 * P), (self.cx + self.sw, sy + 0.012 * P),
                (self.cx + waist, hy - 0.1 * P), (self.cx + self.hw, hy + 0.01 * P),
                (self.cx - self.hw, hy + 0.01 * P), (self.cx - waist, hy - 0.1 * P)]


def _torso_texture(body: _Body, visible_pattern: str):
    """Texture function for :func:`paste_texture`: the garment pattern, anchored
    to the body so stripes stay put as the person moves, with soft shading."""
    ident, P = body.ident, body.P
    c1 = np.array(ident.upper_color, dtype=np.float32)
    c2 = np.array(ident.upper_color2, dtype=np.float32)
    period = max(2.0, ident.pattern_scale * P)
    yoke = 0.36 * (body.hip_y - body.shoulder_y)

    def texture(h: int, w: int, x0: int, y0: int) -> np.ndarray:
        xs = (np.arange(w, dtype=np.float64) + x0 - body.cx)[None, :]
        ys = (np.arange(h, dtype=np.float64) + y0 - body.shoulder_y)[:, None]
        t = np.zeros((h, w), dtype=np.float32)  # 0 = c1, 1 = c2
        if visible_pattern == "hstripes":
            t += (np.mod(ys / period, 1.0) < 0.42) + 0 * xs
        elif visible_pattern == "vstripes":
            t += (np.mod(xs / period + 0.5, 1.0) < 0.4) + 0 * ys
        elif visible_pattern == "checks":
            a = np.mod(ys / period, 1.0) < 0.3
            b = np.mod(xs / period, 1.0) < 0.3
            t += 0.5 * (a ^ b) + 1.0 * (a & b)
        elif visible_pattern == "twotone":
            t += (ys < yoke) + 0 * xs
        else:
            t += 0 * xs + 0 * ys
        rgb = c1[None, None, :] * (1 - t[..., None]) + c2[None, None, :] * t[..., None]
        half = max(1.0, body.sw)
        if body.side:
            light = 1.0 - 0.16 * np.clip((body.dir * -xs) / half, 0.0, 1.0)  # back darker
        else:
            u = xs / half
            light = 1.0 - 0.18 * np.clip(u * u, 0.0, 1.0)
        rgb = rgb * light[..., None].astype(np.float32)
        return np.clip(rgb + 0.5, 0, 255).astype(np.uint8)

    return texture


def _draw_leg(draw: ImageDraw.ImageDraw, body: _Body, leg: list[Point], dim: float) -> None:
    ident = body.ident
    hip, knee, ankle = leg
    skin, low = shade(ident.skin, dim), shade(ident.lower_color, dim)
    if ident.lower_type == "trousers":
        capsule(draw, hip, knee, body.thigh_w, body.shin_w * 1.1, low)
        capsule(draw, knee, ankle, body.shin_w * 1.1, body.shin_w * 0.95, low)
        return
    capsule(draw, hip, knee, body.thigh_w * 0.9, body.shin_w * 0.9, skin)
    capsule(draw, knee, ankle, body.shin_w * 0.9, body.shin_w * 0.75, skin)
    if ident.lower_type == "shorts":
        end = (hip[0] + 0.62 * (knee[0] - hip[0]), hip[1] + 0.62 * (knee[1] - hip[1]))
        capsule(draw, hip, end, body.thigh_w * 1.05, body.thigh_w * 0.98, low)


def _draw_shoe(draw: ImageDraw.ImageDraw, body: _Body, ankle: Point, dim: float) -> None:
    P, color = body.P, shade(body.ident.shoe_color, dim)
    if body.side:
        ellipse(draw, (ankle[0] + body.dir * 0.022 * P, ankle[1] + 0.016 * P), 0.045 * P, 0.02 * P, color)
    else:
        ellipse(draw, (ankle[0], ankle[1] + 0.018 * P), 0.03 * P, 0.021 * P, color)


def _draw_skirt(draw: ImageDraw.ImageDraw, body: _Body) -> None:
    P, hy = body.P, body.hip_y
    knee_y = hy + 0.75 * body.leg_seg
    half_top = body.hw * (0.75 if body.side else 1.0)
    half_bot = half_top * 1.45 + (0.03 * P if body.side else 0.0)
    draw.polygon([(body.cx - half_top, hy - 0.03 * P), (body.cx + half_top, hy - 0.03 * P),
                  (body.cx + half_bot, knee_y), (body.cx - half_bot, knee_y)], fill=body.ident.lower_color)


def _draw_arm(draw: ImageDraw.ImageDraw, body: _Body, arm: list[Point], dim: float) -> None:
    ident = body.ident
    shoulder, elbow, wrist = arm
    skin, cloth = shade(ident.skin, dim), shade(ident.upper_color, dim)
    if ident.upper_type == "tee":
        capsule(draw, shoulder, elbow, body.arm_w * 0.82, body.fore_w * 0.85, skin)
        capsule(draw, elbow, wrist, body.fore_w * 0.85, body.fore_w * 0.7, skin)
        end = (shoulder[0] + 0.55 * (elbow[0] - shoulder[0]), shoulder[1] + 0.55 * (elbow[1] - shoulder[1]))
        capsule(draw, shoulder, end, body.arm_w * 1.05, body.arm_w * 0.98, cloth)
    else:
        capsule(draw, shoulder, elbow, body.arm_w, body.fore_w, cloth)
        capsule(draw, elbow, wrist, body.fore_w, body.fore_w * 0.85, cloth)
    ellipse(draw, wrist, body.fore_w * 0.55, body.fore_w * 0.6, skin)


def _draw_handbag(draw: ImageDraw.ImageDraw, body: _Body, wrist: Point) -> None:
    P, color = body.P, body.ident.bag_color
    top = wrist[1] + 0.02 * P
    draw.line([(wrist[0] - 0.02 * P, top), wrist, (wrist[0] + 0.02 * P, top)], fill=shade(color, 0.7),
              width=max(1, int(0.008 * P)))
    draw.rounded_rectangle((wrist[0] - 0.04 * P, top, wrist[0] + 0.04 * P, top + 0.065 * P),
                           radius=0.01 * P, fill=color)


def _draw_torso_and_marks(canvas: Image.Image, draw: ImageDraw.ImageDraw, body: _Body) -> None:
    ident, P, view = body.ident, body.P, body.pose.view
    pattern = ident.upper_pattern
    if pattern == "logo" or (pattern == "vstripes" and body.side):
        pattern = "solid"
    paste_texture(canvas, body.torso(), _torso_texture(body, pattern))
    sy = body.shoulder_y
    if ident.upper_type == "jacket" and view != "back":
        half = 0.022 * P * ident.build
        if body.side:
            x = body.x(0.05 * P * ident.build)
            draw.polygon([(x, sy + 0.01 * P), (body.x(0.062 * P * ident.build), sy + 0.08 * P),
                          (x, body.hip_y - 0.05 * P)], fill=ident.inner_color)
        else:
            draw.polygon([(body.cx - half, sy - 0.004 * P), (body.cx + half, sy - 0.004 * P),
                          (body.cx + 0.7 * half, body.hip_y - 0.02 * P),
                          (body.cx - 0.7 * half, body.hip_y - 0.02 * P)], fill=ident.inner_color)
    if ident.upper_pattern == "logo" and view == "front":
        c, r = (body.cx + 0.035 * P if ident.upper_type == "jacket" else body.cx, sy + 0.09 * P), 0.032 * P
        shape = ident.logo_shape
        if shape == "disc":
            ellipse(draw, c, r, r, ident.upper_color2)
        elif shape == "square":
            draw.rectangle((c[0] - r, c[1] - r, c[0] + r, c[1] + r), fill=ident.upper_color2)
        elif shape == "bar":
            draw.rectangle((c[0] - 1.5 * r, c[1] - 0.45 * r, c[0] + 1.5 * r, c[1] + 0.45 * r),
                           fill=ident.upper_color2)
        else:
            draw.polygon([(c[0], c[1] - r), (c[0] + r, c[1] + r), (c[0] - r, c[1] + r)], fill=ident.upper_color2)


def _draw_head(draw: ImageDraw.ImageDraw, body: _Body) -> None:
    ident, P, view = body.ident, body.P, body.pose.view
    (hx, hy), rx, ry = body.head_c, body.head_rx, body.head_ry
    neck_w = 0.034 * P
    draw.rectangle((body.cx - neck_w / 2, hy + 0.6 * ry, body.cx + neck_w / 2, body.shoulder_y + 0.01 * P),
                   fill=shade(ident.skin, 0.85))
    hair, style = ident.hair_color, ident.hair_style
    if view == "back" and style == "long":
        draw.rectangle((hx - rx * 1.05, hy, hx + rx * 1.05, body.shoulder_y + 0.09 * P), fill=hair)
    ellipse(draw, (hx, hy), rx, ry, ident.skin)
    if style == "bald":
        return
    if body.side:
        back = hx - body.dir * rx * 0.15
        start, end = (150, 350) if body.dir > 0 else (190, 390)
        draw.pieslice((back - rx * 1.05, hy - ry * 1.06, back + rx * 1.05, hy + ry * 0.98), start, end, fill=hair)
        if style == "long":
            draw.polygon([(hx - body.dir * rx * 0.2, hy), (hx - body.dir * rx * 1.05, hy),
                          (hx - body.dir * rx * 1.1, body.shoulder_y + 0.05 * P),
                          (hx - body.dir * rx * 0.2, body.shoulder_y + 0.02 * P)], fill=hair)
        elif style == "ponytail":
            capsule(draw, (hx - body.dir * rx * 0.9, hy - 0.1 * ry),
                    (hx - body.dir * rx * 1.3, hy + 1.1 * ry), 0.45 * rx, 0.3 * rx, hair)
    elif view == "back":
        ellipse(draw, (hx, hy - 0.02 * ry), rx * 1.04, ry * 1.0, hair)
        if style == "ponytail":
            capsule(draw, (hx, hy + 0.3 * ry), (hx, hy + 1.5 * ry), 0.5 * rx, 0.35 * rx, hair)
    else:
        if style == "long":
            draw.rectangle((hx - rx * 1.1, hy - 0.2 * ry, hx + rx * 1.1, body.shoulder_y + 0.05 * P), fill=hair)
        ellipse(draw, (hx, hy - 0.14 * ry), rx * 1.06, ry * 0.9, hair)
        ellipse(draw, (hx, hy + 0.14 * ry), rx * 0.9, ry * 0.84, ident.skin)
    if style == "cap":
        cap = ident.cap_color
        draw.pieslice((hx - rx * 1.1, hy - ry * 1.12, hx + rx * 1.1, hy + ry * 0.6), 180, 360, fill=cap)
        if body.side:
            draw.polygon(rotated_rect((hx + body.dir * rx * 1.05, hy - 0.3 * ry), rx * 0.55, ry * 0.09, 0.0),
                         fill=shade(cap, 0.8))
        elif view == "front":
            draw.rectangle((hx - rx * 0.95, hy - 0.34 * ry, hx + rx * 0.95, hy - 0.2 * ry), fill=shade(cap, 0.8))


def _draw_backpack(draw: ImageDraw.ImageDraw, body: _Body) -> None:
    ident, P, sy = body.ident, body.P, body.shoulder_y
    color, dark = ident.bag_color, shade(ident.bag_color, 0.7)
    view = body.pose.view
    if view == "back":
        half = 0.085 * P * ident.build
        draw.rounded_rectangle((body.cx - half, sy + 0.025 * P, body.cx + half, sy + 0.27 * P),
                               radius=0.025 * P, fill=color)
        draw.rounded_rectangle((body.cx - 0.7 * half, sy + 0.17 * P, body.cx + 0.7 * half, sy + 0.255 * P),
                               radius=0.015 * P, fill=dark)
    elif view == "front":
        for sign in (-1, 1):
            capsule(draw, (body.cx + sign * 0.07 * P, sy), (body.cx + sign * 0.062 * P, sy + 0.17 * P),
                    0.018 * P, 0.016 * P, dark)
    else:
        x_in, x_out = body.x(-0.052 * P * ident.build), body.x(-0.052 * P * ident.build - 0.075 * P)
        draw.rounded_rectangle((min(x_in, x_out), sy + 0.02 * P, max(x_in, x_out), sy + 0.25 * P),
                               radius=0.02 * P, fill=color)
        capsule(draw, (body.x(0.03 * P), sy + 0.005 * P), (body.x(0.035 * P), sy + 0.12 * P),
                0.016 * P, 0.014 * P, dark)


def _draw_shoulder_bag(draw: ImageDraw.ImageDraw, body: _Body, near: bool) -> None:
    ident, P, sy, hy = body.ident, body.P, body.shoulder_y, body.hip_y
    color, dark = ident.bag_color, shade(ident.bag_color, 0.7)
    if body.side:
        if near:
            capsule(draw, (body.cx, sy), (body.cx, hy - 0.04 * P), 0.012 * P, 0.012 * P, dark)
        x = body.cx - body.dir * (0.0 if near else 0.04 * P)
        draw.rounded_rectangle((x - 0.05 * P, hy - 0.05 * P, x + 0.05 * P, hy + 0.045 * P),
                               radius=0.012 * P, fill=color if near else shade(color, 0.85))
        return
    sign = -ident.bag_side if body.pose.view == "front" else ident.bag_side
    bag_x = body.cx + sign * (body.hw + 0.03 * P)
    capsule(draw, (body.cx - sign * 0.08 * P, sy + 0.005 * P), (bag_x, hy - 0.04 * P), 0.013 * P, 0.013 * P, dark)
    draw.rounded_rectangle((bag_x - 0.045 * P, hy - 0.05 * P, bag_x + 0.045 * P, hy + 0.045 * P),
                           radius=0.012 * P, fill=color)


def draw_person(canvas: Image.Image, ident: Identity, pose: Pose) -> None:
    """Draw ``ident`` in ``pose`` onto ``canvas`` (RGB, supersampled), with a contact shadow."""
    body = _Body(ident, pose)
    P = body.P
    ImageDraw.Draw(canvas, "RGBA").ellipse(
        (pose.cx - 0.15 * P, pose.foot_y - 0.022 * P, pose.cx + 0.15 * P, pose.foot_y + 0.012 * P),
        fill=(0, 0, 0, 60))
    draw = ImageDraw.Draw(canvas)
    if body.side:
        # facing +dir: the bag side that is towards the camera (right side when facing right)
        bag_near = (ident.bag_side > 0) == (body.dir > 0)
        near_leg, far_leg = body.legs
        near_arm, far_arm = body.arms
        _draw_arm(draw, body, far_arm, 0.8)
        if ident.bag == "handbag" and not bag_near:
            _draw_handbag(draw, body, far_arm[2])
        if ident.bag == "shoulder" and not bag_near:
            _draw_shoulder_bag(draw, body, near=False)
        for leg, dim in ((far_leg, 0.8), (near_leg, 1.0)):
            _draw_leg(draw, body, leg, dim)
            _draw_shoe(draw, body, leg[2], dim)
        if ident.lower_type == "skirt":
            _draw_skirt(draw, body)
        if ident.bag == "backpack":
            _draw_backpack(draw, body)
        _draw_torso_and_marks(canvas, draw, body)
        _draw_head(draw, body)
        _draw_arm(draw, body, near_arm, 1.0)
        if ident.bag == "handbag" and bag_near:
            _draw_handbag(draw, body, near_arm[2])
        if ident.bag == "shoulder" and bag_near:
            _draw_shoulder_bag(draw, body, near=True)
        return
    for leg in body.legs:
        _draw_leg(draw, body, leg, 1.0)
        _draw_shoe(draw, body, leg[2], 1.0)
    if ident.lower_type == "skirt":
        _draw_skirt(draw, body)
    _draw_torso_and_marks(canvas, draw, body)
    for arm in body.arms:
        _draw_arm(draw, body, arm, 0.95)
    _draw_head(draw, body)
    if ident.bag == "backpack":
        _draw_backpack(draw, body)
    elif ident.bag == "shoulder":
        _draw_shoulder_bag(draw, body, near=True)
    elif ident.bag == "handbag":
        sign = -ident.bag_side if pose.view == "front" else ident.bag_side
        _draw_handbag(draw, body, body.arms[0 if sign < 0 else 1][2])
