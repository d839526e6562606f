"""What the contact and rank-list sheets share for drawing with Pillow."""
from PIL import ImageFont


def default_font(size: int) -> ImageFont.ImageFont:
    """Pillow's built-in font at ``size`` pixels; its fixed small bitmap font before Pillow 10.1 (no size)."""
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()
