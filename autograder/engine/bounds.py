"""What the grader keeps of one grading is bounded and can always be written.

Anything in a result may come from the student: cell outputs, error messages, values quoted in
a test's message, plots, even the file name. Before a result is stored or reported it goes
through :func:`bound_result`: every text becomes valid Unicode that UTF-8 can hold (a lone
surrogate is written as its ``\\udcff`` escape) and no longer than its cap. The caps on what the
student process reports per cell (output, errors, images) live in :mod:`autograder.protocol`,
which both sides read.
"""

from __future__ import annotations

from typing import Any

from autograder.engine.notebooks import MAX_WRITTEN_CHARS
from autograder.engine.result import Result

MAX_TEXT = 4_000           # characters in any one text of a result (a message, an error, a name)
MAX_KEY = 200              # characters in a key of a result's dicts
MAX_DEPTH = 20             # nesting kept; deeper values are replaced by a note
MAX_ITEMS = 2_000          # entries of one list or dict kept


def clean_text(value: Any, limit: int = MAX_TEXT) -> str:
    """``value`` as text UTF-8 can encode, cut to ``limit`` characters with a note saying so."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = f"{text[:limit]} ... [{len(text) - limit:,} characters cut]"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def bound_value(value: Any, depth: int = 0, limit: int = MAX_TEXT) -> Any:
    """A JSON-ready copy of ``value``: texts cleaned and capped, containers cut to their caps."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return clean_text(value, limit)
    if depth >= MAX_DEPTH:
        return "[nested too deeply: not kept]"
    if isinstance(value, dict):
        items = list(value.items())[:MAX_ITEMS]
        return {clean_text(k, MAX_KEY): bound_value(v, depth + 1, limit) for k, v in items}
    if isinstance(value, (list, tuple)):
        return [bound_value(v, depth + 1, limit) for v in list(value)[:MAX_ITEMS]]
    return clean_text(value, limit)


def bound_result(result: Result) -> Result:
    """``result`` with every text cleaned and capped (image data keep their own, larger caps)."""
    data = result.to_dict()
    bounded = bound_value({k: v for k, v in data.items() if k not in ("cells", "questions", "written")})
    for key in ("cells", "questions"):
        bounded[key] = [_with_images(item) for item in data[key][:MAX_ITEMS]]
    # written answers have their own cap (engine.notebooks.written_answers), above a message's
    bounded["written"] = bound_value(data["written"], 1, MAX_WRITTEN_CHARS)
    return Result.from_dict(bounded)


def _with_images(item: Any) -> Any:
    """A cell, question or test bounded like the rest, except the base64 data of its images."""
    if not isinstance(item, dict):
        return bound_value(item, 1)
    out = {}
    for key, value in list(item.items())[:MAX_ITEMS]:
        if key in ("images", "figures") and isinstance(value, list):
            out[key] = [_image(v) for v in value[:MAX_ITEMS]]
        elif key == "tests" and isinstance(value, list):
            out[key] = [_with_images(t) for t in value[:MAX_ITEMS]]
        else:
            out[clean_text(key, MAX_KEY)] = bound_value(value, 2)
    return out


def _image(image: Any) -> Any:
    """An image entry: its data kept as is when it is plain base64 text, everything else bounded."""
    if not isinstance(image, dict):
        return bound_value(image, 3)
    data = image.get("data")
    kept = {k: bound_value(v, 3) for k, v in image.items() if k != "data"}
    kept["data"] = data if isinstance(data, str) and data.isascii() else ""
    return kept
