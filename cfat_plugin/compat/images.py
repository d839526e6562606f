"""Unreadable images named by path, not by a DataLoader worker number."""
import functools
import os

from ..utils.bad_images import bad_image_line, describe_image_error
from ..utils.errors import BadImageError
from .patching import wrap_method_once


def fix_image_read_errors() -> None:
    """Name the file when FastReID cannot read an image.

    Symptom: one truncated PNG in a data set ends training in the middle of an
    epoch with ``OSError: image file is truncated`` wrapped in ``Caught OSError
    in DataLoader worker process 0``: two tracebacks and no word of which file
    or which data set. Now ``read_image`` raises :class:`BadImageError` with
    the data set, the path and what is wrong, in one line.
    """
    import fastreid.data.common as common
    import fastreid.data.data_utils as data_utils

    def named_by_path(original):
        @functools.wraps(original)
        def read_image(file_name, format=None):
            try:
                if os.path.isfile(file_name) and os.path.getsize(file_name) == 0:
                    raise BadImageError(bad_image_line(file_name, "empty file (0 bytes)"))
                return original(file_name, format)
            except BadImageError:
                raise
            except Exception as error:  # PIL raises OSError, SyntaxError, ValueError, ... on broken files
                raise BadImageError(bad_image_line(file_name, describe_image_error(error))) from None
        return read_image

    wrap_method_once(data_utils, "read_image", named_by_path, also=(common,))
