"""Text from submissions made safe for where a TA reads it: terminal, spreadsheet, web page.

A file name or a student's message can hold terminal escapes (ESC, BEL: a cleared screen and a
fake "ALL GRADED OK"), bidirectional overrides (U+202E shows ``exe.txt`` as ``txt.exe``) and, in a
spreadsheet, a formula (``=HYPERLINK(...)``, ``-2-3``). Each of them is shown as a visible escape
(``\\x1b``, ``\\u202e``) instead; spreadsheet cells that a program would read as a formula get a
leading apostrophe (OWASP's advice for CSV injection) and every cell is capped.
"""

from __future__ import annotations

import csv
import re
from typing import IO, Any, Iterable

# C0 and C1 control characters, DEL, and the Unicode format characters that reorder or hide text
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")  # a plain number is no formula
MAX_CSV_CELL = 1_000  # characters in one gradebook cell


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: Any, keep: str = "") -> str:
    """``text`` with every control and reordering character shown as its escape; ``keep`` lists
    the ones left as they are (``"\\n\\t"`` in a multi-line block)."""
    text = "" if text is None else str(text)
    return _INVISIBLE.sub(lambda m: m.group() if m.group() in keep else _escape(m), text)


def terminal(text: Any, keep: str = "") -> str:
    """Text for the TA's terminal: nothing in it moves the cursor, rings or recolours, and a byte
    of a file name that is not UTF-8 shows as its escape; ``keep="\n"`` keeps line breaks."""
    return visible(text, keep).encode("utf-8", "backslashreplace").decode("utf-8")


def csv_cell(value: Any) -> Any:
    """A gradebook cell: numbers as they are; text escaped, capped, and never read as a formula."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    if len(text) > MAX_CSV_CELL:
        text = f"{text[:MAX_CSV_CELL]} ... [{len(text) - MAX_CSV_CELL:,} characters cut]"
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        text = "'" + text
    return visible(text)


def sheet_text(text: str) -> str:
    """``text`` for a CSV that is also read back (manual.csv): an apostrophe in front when a
    spreadsheet would read it as a formula (or when it already starts with apostrophes before
    one); :func:`from_sheet_text` gives ``text`` back exactly."""
    bare = text.lstrip("'")
    if bare.startswith(_FORMULA_START) and not _NUMBER.fullmatch(bare):
        return "'" + text
    return text


def from_sheet_text(text: str) -> str:
    """The text :func:`sheet_text` was given (a value typed into a spreadsheet is taken as it is)."""
    bare = text.lstrip("'")
    if text.startswith("'") and bare.startswith(_FORMULA_START) and not _NUMBER.fullmatch(bare):
        return text[1:]
    return text


class SafeWriter:
    """A ``csv.writer`` whose every cell goes through :func:`csv_cell` (for files a TA opens in a
    spreadsheet: gradebooks, LMS imports, mark lists)."""

    def __init__(self, stream: IO[str], **options: Any) -> None:
        self._writer = csv.writer(stream, **{"lineterminator": "\n", **options})

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_cell(c) for c in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
