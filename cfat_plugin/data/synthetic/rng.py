"""Independent random streams, one per (purpose, identity, camera, image).

Every random choice is drawn from a stream keyed by *what* it is for, never by
the order in which things are generated, so the output does not depend on
generation order or on how many worker processes share the work.
"""
from __future__ import annotations

import numpy as np

# Purpose tags (part of the stream key; never renumber, it would change data).
SPLIT = 1  # which identities are test identities
PLAN = 2  # cameras, counts and file names of one identity
IDENTITY = 3  # the persistent look of one identity
FAMILY = 4  # a shared outfit that several look-alike identities derive from
CAMERA = 5  # one camera: scene, light, viewpoint habits
TRACKLET = 6  # one identity passing one camera: size, position, view, light
IMAGE = 7  # one frame: pose, jitter, occlusion, sensor noise
DISTRACTOR = 8  # one pid-0000 gallery distractor
JUNK = 9  # one pid -1 junk box
EXTRA_PERSON = 10  # look of a non-identity person (fragments, passers-by)
# Clothes-changing layouts only (tags 11..19; 20..29 are the infrared modality's).
GENDER = 11  # one identity's gender
BIOMETRICS = 12  # one identity's body, skin and hair (what survives a change of clothes)
OUTFIT = 13  # outfit k of one identity, keyed (pid, k)
WARDROBE = 14  # how many outfits an identity has, and which it wears where
CLOTHES_TRACKLET = 15  # one identity in one outfit passing one camera, keyed (pid, cam, k)
CLOTHES_IMAGE = 16  # one frame of such a tracklet, keyed (pid, cam, k, frame)
PERSISTENT_CUES = 17  # what an identity keeps across outfits, made visible (``identity_cues="persistent"``)
# Infrared modality and the SYSU-MM01 / RegDB layouts: tags 20..29.
IR_CAMERA = 20  # one infrared camera: illuminator power and falloff, sensor gain, blur and noise
IR_SENSOR = 21  # one infrared frame's sensor noise
SYSU_PLAN = 22  # SYSU-MM01 layout: the split of identities, the cameras and counts of one identity
SYSU_GALLERY = 23  # SYSU-MM01 protocol: the single-shot gallery draw of one trial
REGDB_TRIAL = 24  # RegDB layout: the train/test identity split of one trial
# Captions and the CUHK-PEDES-shaped layout only (tags 30..39).
PEDES_PLAN = 30  # the cameras and image counts of one identity in the pedes layout, keyed (pid,)
CAPTION = 31  # caption k of one image, keyed (pid, cam, frame index, k)
# Low resolution: tags 40..49.
LOWRES_CAMERA = 40  # one natively low-resolution camera: its extra blur, noise and compression
LOWRES_TRACKLET = 41  # the crop height of one identity in a low-resolution camera, keyed (pid, cam)
LOWRES_SENSOR = 42  # one low-resolution frame's extra sensor noise
MLR_PLAN = 43  # MLR-CUHK03 layout: an identity's low-resolution camera, image counts, down-sampling factors
# Identities told apart only by fine detail (``identity_cues="fine"``): tags 50..59.
FINE_IDENTITY = 50  # which look-alike family an identity belongs to, and its own fine details
FINE_FAMILY = 51  # the shared look (outfit, colours, body) of one such family


def stream(seed: int, tag: int, *keys: int) -> np.random.Generator:
    """A generator determined only by ``(seed, tag, *keys)`` (all ints >= 0)."""
    return np.random.default_rng([seed, tag, *keys])
