"""Checks a rendered PDF must pass: no two words on a page printed on top of each other. Used
by the report tests and the scale bench."""

import io
import itertools
from dataclasses import dataclass

import pdfplumber

# Points two word boxes may share in each direction before they count as overlapping: glyph
# boxes of neighbouring lines and kerned letters touch by a fraction of a point.
TOLERANCE = 1.0
# Kerned neighbours in one word (V and a in a large heading) share up to this share of the font
# size; letters of two lines printed over each other share most of a letter's width.
KERNING = 0.08


@dataclass(frozen=True)
class Overlap:
    page: int
    first: str
    second: str  # empty: the letters of `first` are printed over each other

    def __str__(self) -> str:
        first, second = _short(self.first), _short(self.second)
        if not second:
            return f"page {self.page}: the letters of {first!r} overlap"
        return f"page {self.page}: {first!r} overlaps {second!r}"


def _short(word: str) -> str:
    """Overprinted lines come out as one very long word: enough of it to find the place."""
    return word if len(word) <= 40 else f"{word[:37]}…"


def _intersect(a: dict, b: dict, tolerance: float) -> bool:
    across = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
    down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return across > tolerance and down > tolerance


def overlapping_words(pdf: bytes, *, tolerance: float = TOLERANCE) -> list[Overlap]:
    """Every pair of words on one page whose boxes intersect by more than `tolerance` points
    both across and down. Text printed exactly on a line of other text comes out of the PDF
    as one word of interleaved letters, so a word whose own letters overlap counts too."""
    found = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for number, page in enumerate(document.pages, start=1):
            words = page.extract_words(return_chars=True)
            for word in words:
                letters = sorted(word["chars"], key=lambda c: c["x0"])
                if any(
                    _intersect(a, b, max(tolerance, KERNING * a["size"]))
                    for a, b in itertools.pairwise(letters)
                ):
                    found.append(Overlap(number, word["text"], ""))
            words.sort(key=lambda w: (w["top"], w["x0"]))
            for i, first in enumerate(words):
                for second in words[i + 1 :]:
                    if second["top"] >= first["bottom"] - tolerance:
                        break  # sorted by top: no later word reaches down into this one
                    if _intersect(first, second, tolerance):
                        found.append(Overlap(number, first["text"], second["text"]))
    return found
