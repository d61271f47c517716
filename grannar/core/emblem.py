"""The EU emblem (the European flag) as SVG, drawn to the EU's graphic guide: a 3:2 flag in
reflex blue, twelve upright five-pointed gold stars on a circle whose radius is a third of the
height, each star's outer radius an eighteenth of the height."""

import math
from functools import cache
from pathlib import Path

BLUE = "#003399"
GOLD = "#FFDD00"
TITLE = "Europeiska unionens flagga"
HEIGHT = 540
WIDTH = HEIGHT * 3 // 2
STATIC_FILE = Path(__file__).resolve().parent.parent / "static" / "grannar" / "eu-emblem.svg"

# A regular pentagram's inner points lie at cos 72° / cos 36° of its outer radius.
_INNER = math.cos(math.radians(72)) / math.cos(math.radians(36))


def _star(cx: float, cy: float, outer: float) -> str:
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else outer * _INNER
        angle = math.radians(-90 + 36 * i)
        points.append(f"{cx + radius * math.cos(angle):.2f},{cy + radius * math.sin(angle):.2f}")
    return "M" + "L".join(points) + "Z"


@cache
def eu_emblem_svg() -> str:
    """The flag as a standalone SVG document with role="img" and a title."""
    cx, cy = WIDTH / 2, HEIGHT / 2
    circle, outer = HEIGHT / 3, HEIGHT / 18
    stars = [
        _star(
            cx + circle * math.cos(math.radians(30 * hour)),
            cy + circle * math.sin(math.radians(30 * hour)),
            outer,
        )
        for hour in range(12)
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img">'
        f"<title>{TITLE}</title>"
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{BLUE}"/>'
        f'<path fill="{GOLD}" d="{"".join(stars)}"/>'
        "</svg>\n"
    )


def funding_for_typst(*, text: str, eu_emblem: bool) -> dict:
    """A funding statement as typst template data: its text, and the emblem as SVG bytes."""
    return {
        "text": text,
        "emblem": list(eu_emblem_svg().encode()) if eu_emblem else None,
        "alt": TITLE,
    }
