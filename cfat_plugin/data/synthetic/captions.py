"""Captions for text-based ReID: descriptions of one image from what the generator drew.

CUHK-PEDES-style text ("A woman with long black hair is wearing a white
t-shirt and blue jeans. She is carrying a red handbag.") is made here from a
small grammar over the image's attributes, never from pixels, so a caption is
true of its image by construction. Three things keep two captions of one
image (and the captions of one person) from being copies, as two annotators'
are not:

- synonyms: "t-shirt" / "tee", "trousers" / "pants", "grey" / "gray",
  "navy" / "dark blue", denim trousers as "jeans"...;
- order: which garment comes first, whether hair, shoes and the bag go into
  the first sentence or sentences of their own, and in which order;
- dropout: each attribute a caption need not name (hair, shoes, bag, a
  pattern, a logo, the shirt under a jacket, gender, the view) is left out
  with probability ``dropout``; the upper and lower garment are always named.

Only what shows in the image's view is named (:func:`caption_facts`): no logo
and no shirt under a jacket from the back, no backpack from the front, no
vertical stripes from the side (the renderer draws them plain there). Caption
``k`` of an image comes from its own stream keyed ``(pid, cam, frame index, k)``
(tag ``rng.CAPTION``), so captions do not depend on generation order.
"""
from __future__ import annotations

import numpy as np

from . import rng as streams
from .attributes import image_attributes
from .identity import Identity
from .person import Pose

CAPTIONS_PER_IMAGE = 2  # as in CUHK-PEDES
HAIR_COLORS = ("black", "dark brown", "brown", "blond", "grey")  # identity.HAIR_TONES by index
GENDER_NOUNS = {"male": ("man", "guy", "male pedestrian"), "female": ("woman", "lady", "female pedestrian"),
                "": ("person", "pedestrian")}
PRONOUNS = {"male": ("he", "his"), "female": ("she", "her"), "": ("the person", "their")}

# Palette names (identity.CLOTH_PALETTE, attributes' shoe names) as words, with synonyms.
_COLOR_WORDS = {
    "grey": ("grey", "gray"), "light_grey": ("light grey", "light gray"), "charcoal": ("charcoal", "dark grey"),
    "navy": ("navy", "navy blue", "dark blue"), "denim": ("denim", "blue"), "maroon": ("maroon", "dark red"),
    "khaki": ("khaki", "beige"), "olive": ("olive", "olive green"), "light_blue": ("light blue", "pale blue"),
}
_UPPER_NOUNS = {"tee": ("t-shirt", "tee", "tee shirt", "short-sleeved shirt", "short sleeve top"),
                "longsleeve": ("long-sleeved shirt", "long sleeve top", "sweater", "long-sleeved t-shirt"),
                "jacket": ("jacket", "coat")}
_TROUSERS = ("trousers", "pants", "slacks")
_SHOES = ("shoes", "sneakers", "trainers")
_BAGS = {"backpack": ("backpack", "rucksack"), "shoulder": ("shoulder bag", "messenger bag"),
         "handbag": ("handbag", "purse")}
_LOGO_SHAPES = {"disc": "round", "square": "square", "bar": "bar-shaped", "triangle": "triangular"}
SIDE = "side"  # the view a caption names for "left" and "right"
_VIEWS = {"front": ("facing the camera", "walking towards the camera"),
          "back": ("seen from behind", "walking away from the camera"),
          "left": ("seen from the side", "in profile"), "right": ("seen from the side", "in profile")}


def worded_view(view: str) -> str:
    """The view as captions word it: left and right are both :data:`SIDE`."""
    return SIDE if view in ("left", "right") else view


def caption_facts(ident: Identity, pose: Pose) -> dict[str, str]:
    """What a caption of this frame may name: :func:`attributes.image_attributes`
    (already view-aware) plus the details a sentence needs (second colour, the
    shirt under a jacket, the cap's and hair's colours, gender), each only
    where the view shows it. ``""`` means "not visible" or "not drawn"."""
    names = ident.outfit_names()
    facts = dict(image_attributes(ident, pose))
    pattern = facts["pattern"]
    facts["upper_color2"] = names["upper_color2"] if pattern not in ("solid", "") else ""
    facts["logo_shape"] = names["logo_shape"] if pattern == "logo" else ""
    facts["inner_color"] = names["inner_color"] if facts["upper"] == "jacket" and facts["view"] != "back" else ""
    facts["cap_color"] = names["cap_color"] if facts["hair"] == "cap" else ""
    facts["hair_color"] = HAIR_COLORS[names["hair_color"]] if facts["hair"] not in ("cap", "bald") else ""
    facts["gender"] = names.get("gender", "")  # the Market presets draw no gender: "a person"
    return facts


class _Writer:
    """One caption's choices: synonyms, dropout and order, all from one stream; ``named`` collects the
    facts the caption names (:func:`describe`)."""

    def __init__(self, rng: np.random.Generator, dropout: float, named: dict[str, str]) -> None:
        self.rng, self.dropout, self.named = rng, dropout, named

    def name(self, facts: dict, *keys: str) -> None:
        """Record that the caption names these facts (no draw: the text does not change)."""
        self.named.update({k: facts[k] for k in keys})

    def pick(self, options):
        return options[int(self.rng.integers(len(options)))]

    def keep(self, scale: float = 1.0) -> bool:
        """Whether to name an optional attribute (always draws, so choices stay aligned)."""
        return bool(self.rng.random() >= self.dropout * scale)

    def color(self, name: str) -> str:
        return self.pick(_COLOR_WORDS.get(name, (name.replace("_", " "),)))


def _a(phrase: str) -> str:
    return ("an " if phrase[0] in "aeiou" else "a ") + phrase


def _hair(f: dict, w: _Writer) -> str:
    w.name(f, "hair")
    if f["hair"] == "cap":
        w.name(f, "cap_color")
        return _a(f"{w.color(f['cap_color'])} {w.pick(('cap', 'baseball cap'))}")
    if f["hair"] == "bald":
        return w.pick(("a shaved head", "a bald head"))
    color = f"{f['hair_color']} " if w.keep() else ""
    if color:
        w.name(f, "hair_color")
    if f["hair"] == "ponytail":
        return w.pick((f"{color}hair in a ponytail", _a(f"{color}ponytail")))
    return f"{f['hair']} {color}hair"


def _upper(f: dict, w: _Writer) -> str:
    c1, noun = w.color(f["upper_color"]), w.pick(_UPPER_NOUNS[f["upper"]])
    pattern = f["pattern"] if f["pattern"] != "solid" and w.keep() else "solid"
    w.name(f, "upper", "upper_color", *(("pattern", "upper_color2") if pattern != "solid" else ()))
    c2 = w.color(f["upper_color2"]) if pattern != "solid" else ""
    if pattern == "hstripes":
        text = w.pick((_a(f"{c1} and {c2} striped {noun}"), _a(f"{c1} {noun} with {c2} horizontal stripes")))
    elif pattern == "vstripes":
        text = w.pick((_a(f"{c1} and {c2} vertically striped {noun}"), _a(f"{c1} {noun} with {c2} vertical stripes")))
    elif pattern == "checks":
        text = w.pick((_a(f"{c1} and {c2} checked {noun}"), _a(f"{c1} and {c2} plaid {noun}")))
    elif pattern == "twotone":
        text = w.pick((_a(f"{c1} {noun} with {c2} shoulders"), _a(f"two-tone {c1} and {c2} {noun}")))
    elif pattern == "logo":
        shape = f"{_LOGO_SHAPES[f['logo_shape']]} " if w.keep() else ""
        if shape:
            w.name(f, "logo_shape")
        text = _a(f"{c1} {noun}") + " with " + _a(f"{shape}{c2} logo") + w.pick((" on the front", " on the chest"))
    else:
        text = _a(f"{c1} {noun}")
    if f["inner_color"] and w.keep():
        w.name(f, "inner_color")
        text += f" over {_a(w.color(f['inner_color']))} {w.pick(('shirt', 'top'))}"
    return text


def _lower(f: dict, w: _Writer) -> str:
    w.name(f, "lower", "lower_color")
    if f["lower"] == "trousers" and f["lower_color"] == "denim":
        return w.pick(("jeans", "blue jeans", "denim trousers"))
    color = w.color(f["lower_color"])
    if f["lower"] == "skirt":
        return _a(f"{color} skirt")
    return f"{color} {w.pick(_TROUSERS) if f['lower'] == 'trousers' else 'shorts'}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."


def describe(facts: dict[str, str], rng: np.random.Generator, dropout: float = 0.3,
             named: dict[str, str] | None = None) -> str:
    """One caption of an image with these :func:`caption_facts`; a ``named`` dict is filled with the facts
    the caption names (``view`` from the side as :data:`SIDE`: the words do not tell left from right), so
    what a caption says can be scored against the images without parsing it back."""
    w = _Writer(rng, dropout, {} if named is None else named)
    gender = facts["gender"] if facts["gender"] and w.keep(0.5) else ""
    if gender:
        w.name(facts, "gender")
    subject = f"{w.pick(('a', 'the', 'this'))} {w.pick(GENDER_NOUNS[gender])}"
    pron, poss = PRONOUNS[gender]
    garments = [_upper(facts, w), _lower(facts, w)]
    if w.rng.random() < 0.5:  # which garment first
        garments.reverse()
    hair = _hair(facts, w) if w.keep() else ""
    shoes = f"{w.color(facts['shoes'])} {w.pick(_SHOES)}" if w.keep() else ""
    if shoes:
        w.name(facts, "shoes")
    bag = ""
    if facts["bag"] != "none" and w.keep():
        w.name(facts, "bag")
        color = f"{w.color(facts['bag_color'])} " if w.keep(0.5) else ""
        if color:
            w.name(facts, "bag_color")
        bag = _a(f"{color}{w.pick(_BAGS[facts['bag']])}")
        if facts["bag"] == "backpack" and w.rng.random() < 0.3:
            bag += f" on {poss} back"
    view = w.pick(_VIEWS[facts["view"]]) if w.keep() and w.rng.random() < 0.5 else ""
    if view:
        w.named["view"] = worded_view(facts["view"])

    if w.rng.random() < 0.3:  # one fragment, CUHK-PEDES's terse style
        dressed = " wearing " if " in " in hair else w.pick((" in ", " wearing "))  # not "in a ponytail in"
        text = subject + (f" with {hair}" if hair else "") + dressed + _join(garments + ([shoes] if shoes else []))
        text += "".join(f", {p}" for p in w.rng.permutation(
            [p for p in (f"carrying {bag}" if bag else "", view) if p]).tolist())
        return _sentence(text)
    # a first sentence with the garments, then the rest in a random order, two at a time
    hair_first = bool(hair) and w.rng.random() < 0.5
    shoes_first = bool(shoes) and w.rng.random() < 0.5
    verb = w.pick(("is wearing", "wears", "is dressed in", "has on"))
    first = subject + (f" with {hair}" if hair_first else "") + f" {verb} "
    first += _join(garments + ([shoes] if shoes_first else []))
    rest = [f"has {hair}" if hair and not hair_first else "",
            f"{w.pick(('is wearing', 'wears'))} {shoes}" if shoes and not shoes_first else "",
            f"{w.pick(('is carrying', 'carries', 'has'))} {bag}" if bag else "",
            f"is {view}" if view and not view.startswith("in ") else (f"is shown {view}" if view else "")]
    rest = [rest[i] for i in w.rng.permutation(len(rest)) if rest[i]]
    sentences = [_sentence(first)]
    for i in range(0, len(rest), 2):
        sentences.append(_sentence(f"{pron} " + " and ".join(rest[i:i + 2])))
    return " ".join(sentences)


def image_captions(seed: int, pid: int, camid: int, index: int, facts: dict[str, str], dropout: float = 0.3,
                   count: int = CAPTIONS_PER_IMAGE, named: list[dict[str, str]] | None = None) -> list[str]:
    """The ``count`` captions of one image, caption ``k`` from the stream ``(pid, camid, index, k)``;
    a ``named`` list gets the facts each caption names (:func:`describe`)."""
    named = [] if named is None else named
    named[:] = [{} for _ in range(count)]
    return [describe(facts, streams.stream(seed, streams.CAPTION, pid, camid, index, k), dropout, named[k])
            for k in range(count)]
